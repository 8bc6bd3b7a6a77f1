// Organisation administration pages. No inline scripts: the Content-Security-Policy forbids them.
document.addEventListener("DOMContentLoaded", () => {
  // Forms that destroy something ask first (data-confirm="question").
  document.addEventListener("submit", (event) => {
    const form = event.target.closest("form[data-confirm]");
    if (form && !window.confirm(form.dataset.confirm)) event.preventDefault();
  });

  // "All / none" in a permission matrix row: tick every action of the module, or clear them
  // when all are already ticked.
  document.addEventListener("click", (event) => {
    const button = event.target.closest("[data-matrix-toggle]");
    if (!button) return;
    const row = document.querySelector(`[data-matrix-row="${button.dataset.matrixToggle}"]`);
    if (!row) return;
    const boxes = Array.from(row.querySelectorAll('input[type="checkbox"][name="permissions"]'));
    const tick = !boxes.every((box) => box.checked);
    boxes.forEach((box) => {
      box.checked = tick;
    });
  });
});
