// inbox-menu.js — the inbox's menus and popovers: one open at a time,
// closed by Esc, by a click outside or by choosing an item; arrow keys
// move between items.

let current = null; // {button, box}

export const menuOpen = () => !!current;

export function closeMenus() {
  if (!current) return false;
  const { button, box } = current;
  current = null;
  box.hidden = true;
  button.setAttribute("aria-expanded", "false");
  return true;
}

export function openMenu(button, box, onOpen) {
  closeMenus();
  current = { button, box };
  box.hidden = false;
  button.setAttribute("aria-expanded", "true");
  if (onOpen) onOpen();
  const first = box.querySelector("[role=menuitem]:not([disabled]), input, select");
  if (first) first.focus({ preventScroll: true });
}

// bindMenu makes button toggle box; onOpen fills it each time it opens.
export function bindMenu(button, box, onOpen) {
  button.setAttribute("aria-expanded", "false");
  button.addEventListener("click", (e) => {
    e.stopPropagation();
    if (current && current.box === box) closeMenus();
    else openMenu(button, box, onOpen);
  });
  return { open: () => openMenu(button, box, onOpen), close: closeMenus, isOpen: () => !!current && current.box === box };
}

document.addEventListener("click", (e) => {
  if (current && !current.box.contains(e.target) && !current.button.contains(e.target)) closeMenus();
});

document.addEventListener("keydown", (e) => {
  if (!current) return;
  if (e.key === "Escape") {
    const { button } = current;
    closeMenus();
    button.focus({ preventScroll: true });
    e.preventDefault();
    e.stopPropagation();
    return;
  }
  if (e.key !== "ArrowDown" && e.key !== "ArrowUp") return;
  const items = [...current.box.querySelectorAll("[role=menuitem]:not([disabled])")];
  if (!items.length) return;
  const i = items.indexOf(document.activeElement);
  const next = e.key === "ArrowDown" ? items[(i + 1) % items.length] : items[(i - 1 + items.length) % items.length];
  next.focus();
  e.preventDefault();
}, true);
