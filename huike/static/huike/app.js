// Huike shell behaviour. No inline scripts: the Content-Security-Policy forbids them.
document.addEventListener("DOMContentLoaded", () => {
  // htmx requests carry the CSRF token read from the page.
  const token = document.querySelector('meta[name="csrf-token"]');
  document.body.addEventListener("htmx:configRequest", (event) => {
    if (token) event.detail.headers["X-CSRFToken"] = token.content;
  });

  // A poll that fails (server restarting, network gone) must not wipe the badge or widget:
  // keep what is shown and try again at the next tick.
  document.body.addEventListener("htmx:beforeSwap", (event) => {
    const xhr = event.detail.xhr;
    if (xhr && xhr.status >= 500) event.detail.shouldSwap = false;
  });

  // On a phone the opened sidebar closes again once a menu item is chosen.
  const menu = document.getElementById("sidebar-menu");
  if (menu) {
    menu.addEventListener("click", (event) => {
      if (!event.target.closest("a.nav-link") || !menu.classList.contains("show")) return;
      const Collapse = window.bootstrap && window.bootstrap.Collapse;
      if (Collapse) Collapse.getOrCreateInstance(menu).hide();
    });
  }
});
