// Detail page of a record: the tab just clicked is marked active (htmx loads its content).
document.addEventListener("DOMContentLoaded", () => {
  const tabs = document.querySelectorAll("[data-record-tab]");
  tabs.forEach((tab) => {
    tab.addEventListener("click", (event) => {
      event.preventDefault();
      tabs.forEach((other) => {
        other.classList.toggle("active", other === tab);
        other.setAttribute("aria-selected", other === tab ? "true" : "false");
      });
    });
  });
});
