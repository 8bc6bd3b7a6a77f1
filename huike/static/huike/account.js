// Sign-in and personal settings pages. Loaded with defer; no inline scripts (CSP).
document.addEventListener("DOMContentLoaded", () => {
  // A captcha picture that cannot be read is swapped for a new one by clicking it. The
  // server remembers only the newest picture's answer.
  document.querySelectorAll("[data-captcha-refresh]").forEach((image) => {
    image.addEventListener("click", () => {
      const url = new URL(image.src, window.location.href);
      url.searchParams.set("t", Date.now().toString());
      image.src = url.toString();
      const input = document.getElementById("id_captcha");
      if (input) {
        input.value = "";
        input.focus();
      }
    });
  });
});

document.addEventListener("DOMContentLoaded", () => {
  // After a refused sign-in the name is filled in again: start typing where it is needed.
  const identifier = document.getElementById("id_identifier");
  const password = document.getElementById("id_password");
  if (identifier && password && identifier.value) password.focus();
});

document.addEventListener("DOMContentLoaded", () => {
  // On a phone the settings sections are a sideways-scrolling row: show the current one.
  const current = document.querySelector("#personal-settings .nav-pills .active");
  if (current) current.scrollIntoView({ block: "nearest", inline: "center" });
});
