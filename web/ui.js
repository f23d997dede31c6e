// Small helpers the pages share: run a form's action, show what happened.

export const $ = (selector) => document.querySelector(selector);

export function say(message, kind = "info") {
  const box = $("#status");
  box.textContent = message;
  box.dataset.kind = kind;
}

// Calls `action` with the form's fields when it is submitted; an error's
// description (the API's error_description) is shown, never swallowed.
export function onSubmit(form, action) {
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const button = form.querySelector("button[type=submit]");
    button.disabled = true;
    try {
      await action(Object.fromEntries(new FormData(form)));
    } catch (error) {
      say(error.message, "error");
    } finally {
      button.disabled = false;
    }
  });
}

export function show(id, visible) {
  $(id).hidden = !visible;
}
