// The sections of the page: one visible at a time, chosen with the navigation buttons (aria-current="page").

const views = new Map();

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
  const heading = view.section.querySelector('h1');
  document.title = `${heading ? `${heading.textContent} – ` : ''}regfed – Datenschutz`;
  if (options.focus !== false) heading?.focus();
  view.onShow(options);
}

export function wireNavigation() {
  for (const button of document.querySelectorAll('#main-nav [data-view]')) {
    button.addEventListener('click', () => showView(button.dataset.view));
  }
}
