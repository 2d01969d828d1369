/**
 * The development demo page's form: asks the dev server to send the signed-in
 * demo user a notification. The server holds the API key; this page never does.
 */
const form = document.querySelector<HTMLFormElement>("#send-form");
const result = document.querySelector<HTMLElement>("#send-result");

form?.addEventListener("submit", async (e) => {
  e.preventDefault();
  const data = new FormData(form);
  const field = (name: string) => String(data.get(name) ?? "").trim();
  const button = form.querySelector("button");
  if (button) button.disabled = true;
  try {
    const res = await fetch("/dev/send", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({
        title: field("title"),
        body: field("body"),
        category: field("category"),
        mention: data.get("mention") !== null,
        withActions: data.get("withActions") !== null,
      }),
    });
    const answer = (await res.json()) as { id?: string; error?: string };
    if (result) result.textContent = res.ok ? `Sent (${answer.id}).` : `Not sent: ${answer.error}`;
  } catch (err) {
    if (result) result.textContent = `Not sent: ${String(err)}`;
  } finally {
    if (button) button.disabled = false;
  }
});
