import "uplot/dist/uPlot.min.css";
import { Code, ConnectError } from "@connectrpc/connect";
import "./styles.css";
import "./pages.css";
import type { WhoAmIResponse } from "../../../gen/ts/herald/v1/operator_service_pb.js";
import { createConsoleClients } from "./clients.js";
import type { ConsoleConfig } from "./context.js";
import { h } from "./dom.js";
import { completeOidcSignIn } from "./oidc.js";
import { type Credential, clearCredential, loadCredential, saveCredential } from "./session.js";
import { renderShell } from "./shell.js";
import { checkCredential, renderSignIn } from "./sign-in.js";

/**
 * The console's entry: reads `/console/config.json`, finishes an OIDC return,
 * then shows the shell for a stored credential that still works, or sign-in.
 */
async function start(root: HTMLElement): Promise<void> {
  const config = await loadConfig();
  let error: string | undefined;
  if (config.oidc !== null) {
    try {
      const done = await completeOidcSignIn(new URL(location.href));
      if (done !== null) {
        saveCredential({ token: done.idToken, kind: "oidc" });
        // Drop the code and state from the address bar and history.
        history.replaceState(null, "", `${location.pathname}${location.hash || "#/activity"}`);
      }
    } catch (err) {
      error = `Sign-in with ${config.oidc.name} failed: ${(err as Error).message}`;
      history.replaceState(null, "", `${location.pathname}${location.hash}`);
    }
  }
  let stopShell: (() => void) | null = null;
  const signIn = (message?: string) => {
    stopShell?.();
    stopShell = null;
    renderSignIn(root, { config, ...(message !== undefined && { error: message }), onSignedIn: shell });
  };
  const shell = (credential: Credential, who: WhoAmIResponse) => {
    stopShell = renderShell(root, {
      clients: createConsoleClients(credential.token, (message) => {
        if (stopShell === null) return; // already back at sign-in
        clearCredential();
        signIn(`Your session ended (${message}); sign in again.`);
      }),
      who,
      config,
      onSignOut: () => {
        clearCredential();
        history.replaceState(null, "", location.pathname);
        signIn();
      },
    });
  };
  const stored = loadCredential();
  if (stored === null) return signIn(error);
  try {
    shell(stored, await checkCredential(stored));
  } catch (err) {
    // A credential Herald refuses is forgotten; one it could not check (Herald
    // unreachable for a moment) is kept, so a reload tries it again.
    const unreachable = err instanceof ConnectError && err.code !== Code.Unauthenticated;
    if (!unreachable) clearCredential();
    signIn(
      unreachable
        ? `Herald could not check your sign-in (${err.rawMessage}); reload to try again.`
        : `Your session ended (${(err as Error).message}); sign in again.`,
    );
  }
}

async function loadConfig(): Promise<ConsoleConfig> {
  const response = await fetch("/console/config.json", { cache: "no-store" });
  if (!response.ok) throw new Error(`/console/config.json answered ${response.status}`);
  return (await response.json()) as ConsoleConfig;
}

const root = document.getElementById("console") as HTMLElement;
start(root).catch((err: unknown) => {
  root.replaceChildren(
    h(
      "main",
      { class: "sign-in" },
      h("h1", { text: "Herald console" }),
      h("p", {
        class: "form-error",
        attrs: { role: "alert" },
        text: `The console could not start: ${(err as Error).message}`,
      }),
    ),
  );
});
