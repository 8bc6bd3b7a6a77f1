// Option list editor: move a row up or down and renumber the order inputs (10, 20, 30 …),
// so reordering needs no typing. Without JavaScript the order inputs still work by hand.
document.addEventListener("DOMContentLoaded", () => {
  const table = document.getElementById("dictionary-items");
  if (!table) return;
  const body = table.querySelector("tbody");

  const renumber = () => {
    let position = 0;
    body.querySelectorAll("tr[data-item-row]").forEach((row) => {
      const order = row.querySelector("input[data-order]");
      const value = row.querySelector("input[name$='-value']");
      const used = row.dataset.item || (value && value.value.trim());
      if (!order || !used) return;
      position += 10;
      order.value = String(position);
    });
  };

  // An error row belongs to the item row just above it and moves with it.
  const block = (row) => {
    const next = row.nextElementSibling;
    return next && next.classList.contains("item-errors") ? [row, next] : [row];
  };

  body.addEventListener("click", (event) => {
    const button = event.target.closest("button[data-move]");
    if (!button) return;
    const row = button.closest("tr[data-item-row]");
    const rows = Array.from(body.querySelectorAll("tr[data-item-row]"));
    const index = rows.indexOf(row);
    const target = rows[button.dataset.move === "up" ? index - 1 : index + 1];
    if (!target) return;
    const moving = block(row);
    if (button.dataset.move === "up") {
      moving.forEach((el) => body.insertBefore(el, target));
    } else {
      const after = block(target);
      const anchor = after[after.length - 1].nextElementSibling;
      moving.forEach((el) => body.insertBefore(el, anchor));
    }
    renumber();
    button.focus();
  });
});
