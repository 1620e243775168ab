// The sections of a page: one visible at a time, chosen with the navigation buttons (aria-current="page").

const views = new Map();
// The page's name, from its <title> in index.html; the visible section's heading goes before it.
const site = document.title;

/** Registers a section: name matches data-view on its navigation button; onShow runs each time it is shown. */
export function registerView(name, {section, onShow = () => {}}) {
  views.set(name, {section, onShow});
}

/** Shows one section, marks its button current and moves focus to its heading (for keyboard and screen readers). */
export function showView(name, options = {}) {
  for (const [viewName, view] of views) view.section.hidden = viewName !== name;
  for (const button of document.querySelectorAll('#main-nav [data-view]')) {
    if (button.dataset.view === name) button.setAttribute('aria-current', 'page');
    else button.removeAttribute('aria-current');
  }
  const view = views.get(name);
  if (!view) return;
  setTitle(view.section);
  if (options.focus !== false) view.section.querySelector('h1')?.focus();
  view.onShow(options);
}

/** The window title from the visible section's heading (call again when the heading changes). */
export function setTitle(section) {
  const heading = section.querySelector('h1');
  document.title = `${heading && heading.textContent ? `${heading.textContent} – ` : ''}${site}`;
}

/** Shows or hides the navigation button of a view (a view without content yet has none). */
export function offerView(name, offered) {
  const button = document.querySelector(`#main-nav [data-view="${name}"]`);
  if (button) button.closest('li').hidden = !offered;
}

export function wireNavigation() {
  for (const button of document.querySelectorAll('#main-nav [data-view]')) {
    button.addEventListener('click', () => showView(button.dataset.view));
  }
}
