// Filter forms leave out the fields left empty, so that a page's address (its permalink) names only
// the filters in use: "?land_use=agricultural", not every parameter of the form. Without JavaScript
// the empty ones are sent too, and the pages read them as not given.
document.addEventListener("submit", (event) => {
  const form = event.target;
  if (!form.matches("form.filters")) return;
  for (const field of form.elements) {
    if (field.name && !field.disabled && field.value === "" && field.type !== "checkbox") {
      field.disabled = true;
      field.dataset.leftOut = "true";
    }
  }
});

// Back to a page from the browser's cache: the fields left out are usable again.
window.addEventListener("pageshow", () => {
  for (const field of document.querySelectorAll("form.filters [data-left-out]")) {
    field.disabled = false;
    delete field.dataset.leftOut;
  }
});
