import { Code, ConnectError } from "@connectrpc/connect";
import type { WhoAmIResponse } from "../../../gen/ts/herald/v1/operator_service_pb.js";
import { createConsoleClients } from "./clients.js";
import type { ConsoleConfig } from "./context.js";
import { field, h } from "./dom.js";
import { startOidcSignIn } from "./oidc.js";
import { type Credential, saveCredential } from "./session.js";

export interface SignInOptions {
  config: ConsoleConfig;
  /** A message to show at once (a stored credential that no longer works, a failed OIDC return). */
  error?: string;
  onSignedIn(credential: Credential, who: WhoAmIResponse): void;
}

/** The sign-in page: an API key (checked with WhoAmI), or the configured OIDC issuer. */
export function renderSignIn(into: HTMLElement, options: SignInOptions): void {
  const key = h("input", {
    attrs: { type: "password", id: "api-key", name: "api-key", autocomplete: "off", spellcheck: "false", required: "" },
  });
  const message = h("p", { class: "form-error", attrs: { id: "sign-in-error", role: "alert" } });
  const submit = h("button", { class: "primary", text: "Sign in", attrs: { type: "submit" } });
  const showError = (text: string) => {
    message.textContent = text;
    key.setAttribute("aria-invalid", text === "" ? "false" : "true");
  };
  const form = h(
    "form",
    {
      class: "sign-in-form",
      attrs: { "aria-describedby": "sign-in-error" },
      on: {
        submit: (event) => {
          event.preventDefault();
          submit.disabled = true;
          showError("");
          const credential: Credential = { token: key.value.trim(), kind: "api_key" };
          checkCredential(credential)
            .then((who) => {
              saveCredential(credential);
              options.onSignedIn(credential, who);
            })
            .catch((err: unknown) => showError(signInError(err)))
            .finally(() => {
              submit.disabled = false;
            });
        },
      },
    },
    field("API key (read or admin scope)", key),
    submit,
  );
  const oidc = options.config.oidc;
  const oidcButton =
    oidc === null
      ? []
      : [
          h("p", { class: "or", text: "or" }),
          h("button", {
            class: "secondary",
            text: `Sign in with ${oidc.name}`,
            attrs: { type: "button", id: "oidc-sign-in" },
            on: {
              click: () => {
                startOidcSignIn(oidc, `${location.origin}/console/`).catch((err: unknown) =>
                  showError(`Could not start sign-in with ${oidc.name}: ${(err as Error).message}`),
                );
              },
            },
          }),
        ];
  into.replaceChildren(
    h(
      "main",
      { class: "sign-in", attrs: { id: "main" } },
      h("h1", { text: "Herald console" }),
      h("p", { class: "muted", text: "Sign in with an API key that has the read or admin scope." }),
      form,
      message,
      ...oidcButton,
    ),
  );
  if (options.error !== undefined) showError(options.error);
  key.focus();
}

/** Asks Herald who the credential is; refuses one without the read scope (admin includes it). */
export async function checkCredential(credential: Credential): Promise<WhoAmIResponse> {
  const who = await createConsoleClients(credential.token, () => undefined).operator.whoAmI({});
  if (!who.scopes.includes("read") && !who.scopes.includes("admin")) {
    throw new Error(
      `"${who.name}" has no read or admin scope (it has: ${who.scopes.join(", ") || "none"}): the console needs read`,
    );
  }
  return who;
}

function signInError(err: unknown): string {
  if (err instanceof ConnectError) {
    if (err.code === Code.Unauthenticated)
      return "That credential was not accepted: it is unknown, revoked or expired.";
    if (err.code === Code.Unavailable) return "Herald could not be reached. Try again in a moment.";
    return `Sign-in failed: ${err.rawMessage}`;
  }
  return (err as Error).message;
}
