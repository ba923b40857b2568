// The start page: create a workshop through the API, then open its console.

import { store } from "./common.js";

const form = document.getElementById("create-form");
const errorBox = document.getElementById("create-error");

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  errorBox.hidden = true;
  const data = new FormData(form);
  const title = String(data.get("title") || "").trim();
  if (!title) {
    errorBox.textContent = "Give the workshop a title.";
    errorBox.hidden = false;
    form.title.focus();
    return;
  }
  const button = form.querySelector("button[type=submit]");
  button.disabled = true;
  button.textContent = "Creating…";
  try {
    const response = await fetch("/api/workshops", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({
        title,
        organization: String(data.get("organization") || "").trim() || null,
        horizon_years: Number(data.get("horizon_years")),
      }),
    });
    const body = await response.json().catch(() => ({}));
    if (!response.ok) throw new Error(body.error ? body.error.message : `Error ${response.status}`);
    // Keep the key in this browser, and mark it new so the console shows the link once.
    store.set(`sw:facilitator:${body.id}`, { key: body.facilitator_key, shown: false });
    location.assign(body.urls.facilitate);
  } catch (error) {
    errorBox.textContent = error.message === "Failed to fetch"
      ? "Cannot reach the server. Check the connection and try again."
      : error.message;
    errorBox.hidden = false;
    button.disabled = false;
    button.textContent = "Create workshop";
  }
});
