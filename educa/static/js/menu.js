// The header's menu button (templates/base.html). Loaded in <head> without `defer`:
// the class below must be on <html> before the header is drawn, or a narrow screen
// would show the open menu and then fold it. Without this script the button stays
// hidden and the menu open, so every link and the search stay reachable.
document.documentElement.classList.add("has-menu-toggle");

document.addEventListener("DOMContentLoaded", () => {
  const button = document.querySelector(".menu-toggle");
  const menu = button && document.getElementById(button.getAttribute("aria-controls"));
  if (!menu) {
    document.documentElement.classList.remove("has-menu-toggle");
    return;
  }
  const setOpen = (open) => {
    button.setAttribute("aria-expanded", String(open));
    menu.classList.toggle("is-open", open);
  };
  setOpen(false);
  button.hidden = false;
  button.addEventListener("click", () => {
    setOpen(button.getAttribute("aria-expanded") !== "true");
  });
  // Escape folds an open menu and gives the focus back to its button.
  menu.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && menu.classList.contains("is-open")) {
      setOpen(false);
      button.focus();
    }
  });
});
