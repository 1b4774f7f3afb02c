/* The panel's session and GraphQL client. The access token lives in this closure only: never in
   localStorage, sessionStorage or a URL. The refresh token is an HttpOnly cookie the script cannot read;
   /panel/session/refresh trades it for a fresh access token on each page load and before expiry. */
"use strict";

const Panel = (() => {
  let access = null;
  let refreshTimer = null;
  const listeners = [];

  async function session(path, body) {
    const response = await fetch(path, {
      method: "POST",
      credentials: "same-origin",
      headers: {"Content-Type": "application/json"},
      body: JSON.stringify(body || {}),
    });
    const answer = await response.json().catch(() => ({}));
    return {ok: response.ok, answer};
  }

  function keep(answer) {
    access = answer.access;
    clearTimeout(refreshTimer);
    const seconds = Math.max(15, (answer.access_expires_in || 300) - 30);
    refreshTimer = setTimeout(refresh, seconds * 1000);
    listeners.forEach((listener) => listener(access));
  }

  async function refresh() {
    const {ok, answer} = await session("/panel/session/refresh");
    if (!ok) {
      access = null;
      if (answer.code === "rate_limited") throw new Error("Too many requests; wait a minute and reload");
      return false;
    }
    keep(answer);
    return true;
  }

  async function signIn(email, password) {
    const {ok, answer} = await session("/panel/session", {email, password});
    if (!ok) return answer.message || "Signing in failed.";
    keep(answer);
    return null;
  }

  async function signOut() {
    await session("/panel/session/end");
    access = null;
    window.location.assign("/panel/");
  }

  async function gql(query, variables) {
    const send = () => fetch("/graphql", {
      method: "POST",
      headers: {"Content-Type": "application/json", "Authorization": `Bearer ${access}`},
      body: JSON.stringify({query, variables: variables || {}}),
    });
    let response = await send();
    if (response.status === 401 && await refresh()) response = await send();
    const body = await response.json().catch(() => ({}));
    if (body.errors && body.errors.length) throw new Error(body.errors[0].message);
    return body.data;
  }

  function newKey() {
    return crypto.randomUUID();
  }

  function el(tag, attributes, ...children) {
    const node = document.createElement(tag);
    Object.entries(attributes || {}).forEach(([name, value]) => {
      if (name === "text") node.textContent = value;
      else node.setAttribute(name, value);
    });
    children.forEach((child) => node.append(child));
    return node;
  }

  function money(value) {
    return value ? `${value.amount} ${value.currency}` : "";
  }

  function label(status) {
    return String(status || "").toLowerCase().replace(/_/g, " ");
  }

  function notice(text) {
    document.getElementById("notice").textContent = text;
  }

  /* Resolves with the signed-in account on pages that need one; sends anyone else to the sign-in page. */
  async function ready() {
    if (!access && !(await refresh())) {
      window.location.assign("/panel/");
      return new Promise(() => {});
    }
    const data = await gql("{ me { id email displayName roles } }");
    const who = document.getElementById("who");
    who.textContent = `Signed in as ${data.me.displayName || data.me.email}`;
    const out = document.getElementById("sign-out");
    out.hidden = false;
    out.addEventListener("click", signOut);
    return data.me;
  }

  /* Runs a page's start, telling the reader (not a blank page) when it fails. */
  function start(main) {
    document.addEventListener("DOMContentLoaded", () => {
      main().catch((failure) => notice(`Something went wrong: ${failure.message}. Reload the page to try again.`));
    });
  }

  function onToken(listener) {
    listeners.push(listener);
  }

  function token() {
    return access;
  }

  function startSignInPage() {
    const form = document.getElementById("sign-in-form");
    const problem = document.getElementById("sign-in-error");
    document.getElementById("email").focus();
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      problem.textContent = "";
      const failed = await signIn(form.email.value.trim(), form.password.value);
      if (failed) {
        problem.textContent = failed;
        form.password.focus();
        return;
      }
      window.location.assign("/panel/orders/");
    });
  }

  document.addEventListener("DOMContentLoaded", () => {
    if (document.body.dataset.page === "sign-in") startSignInPage();
  });

  return {ready, gql, newKey, el, money, label, notice, onToken, token, start};
})();
