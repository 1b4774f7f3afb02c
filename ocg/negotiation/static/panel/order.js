/* The order page: the price negotiation, the live chat, and paying once the price is agreed.
   The page polls the order over GraphQL (it is the record); the chat arrives over the order's socket. */
"use strict";

const PROPOSAL = "id round authorRole amount { amount currency } note expiresAt counterTo";
const ORDER = `query($id: UUID!) {
  order(id: $id) {
    id number status customerId designerId total { amount currency }
    timeline { step status at }
    negotiation { status roundsLeft agreed { amount currency } openProposal { ${PROPOSAL} }
      proposals { ${PROPOSAL} outcome outcomeNote } }
  }
}`;
const PAYLOAD = "errors { field code message }";
const MUTATIONS = {
  open: `mutation($order: UUID!, $key: String) { negotiationOpen(orderId: $order, idempotencyKey: $key) { ${PAYLOAD} } }`,
  propose: `mutation($order: UUID!, $amount: String!, $currency: String!, $note: String, $key: String) {
    negotiationPropose(orderId: $order, amount: $amount, currency: $currency, note: $note, idempotencyKey: $key) {
      ${PAYLOAD} } }`,
  accept: `mutation($order: UUID!, $proposal: UUID!, $key: String) {
    negotiationAccept(orderId: $order, proposalId: $proposal, idempotencyKey: $key) { ${PAYLOAD} } }`,
  reject: `mutation($order: UUID!, $proposal: UUID!, $key: String) {
    negotiationReject(orderId: $order, proposalId: $proposal, idempotencyKey: $key) { ${PAYLOAD} } }`,
  withdraw: `mutation($order: UUID!, $proposal: UUID!, $key: String) {
    negotiationWithdraw(orderId: $order, proposalId: $proposal, idempotencyKey: $key) { ${PAYLOAD} } }`,
  pay: `mutation($order: UUID!, $key: String) {
    orderPay(orderId: $order, provider: STRIPE, idempotencyKey: $key) {
      ${PAYLOAD} result { clientSecret amount { amount currency } } } }`,
};
const POLL_MS = 1500;
const OPENABLE = ["CONFIRMED", "AWAITING_PAYMENT"];

const state = {order: null, me: null, role: null, paying: false};
const $ = (id) => document.getElementById(id);

function roleOf(order, me) {
  if (order.customerId === me.id) return "CUSTOMER";
  if (order.designerId === me.id) return "DESIGNER";
  return me.roles.includes("admin") ? "STAFF" : null;
}

function show(id, visible) {
  $(id).hidden = !visible;
}

function renderProposal(proposal) {
  const {el, money, label} = Panel;
  const item = el("li", {class: "proposal", "data-outcome": proposal.outcome || "OPEN"},
    el("strong", {text: `${money(proposal.amount)}`}), ` by ${label(proposal.authorRole)}, round ${proposal.round}`);
  if (proposal.outcome) item.append(` · ${label(proposal.outcome)}`);
  if (proposal.note) item.append(el("q", {text: proposal.note}));
  return item;
}

function render() {
  const {order, role} = state;
  const {money, label, el} = Panel;
  const negotiation = order.negotiation;
  const open = negotiation && negotiation.status === "OPEN" ? negotiation.openProposal : null;
  $("order-number").textContent = order.number;
  $("order-status").textContent = label(order.status);
  $("order-status").dataset.status = order.status;
  $("order-total").textContent = money(order.total);
  $("propose-currency").textContent = order.total.currency;

  const box = $("open-proposal");
  box.replaceChildren();
  if (open) {
    box.append(el("p", {id: "open-proposal-text"}, "Open proposal: ", el("strong", {text: money(open.amount)}),
      ` by ${label(open.authorRole)}, until ${new Date(open.expiresAt).toLocaleString()}`));
    if (open.note) box.append(el("p", {}, el("q", {text: open.note})));
  } else if (negotiation && negotiation.agreed) {
    box.append(el("p", {}, "Agreed price: ", el("strong", {text: money(negotiation.agreed)})));
  } else if (negotiation && negotiation.status === "OPEN") {
    box.append(el("p", {text: "No proposal on the table."}));
  }
  const negotiating = negotiation && negotiation.status === "OPEN" && order.status === "NEGOTIATING";
  const mine = open && open.authorRole === role;
  show("negotiation-open", Boolean(role) && !negotiation && OPENABLE.includes(order.status));
  show("propose-form", Boolean(role) && negotiating && !mine);
  $("propose-legend").textContent = open ? "Counter with a total" : "Propose a total";
  $("propose-submit").textContent = open ? "Counter" : "Propose";
  show("proposal-accept", Boolean(open) && !mine);
  show("proposal-reject", Boolean(open) && !mine);
  show("proposal-withdraw", Boolean(mine));

  const history = $("proposal-history");
  history.replaceChildren(...(negotiation ? negotiation.proposals.map(renderProposal) : []));
  $("order-timeline").replaceChildren(...order.timeline.map((entry) => el("li", {},
    el("span", {text: label(entry.status)}), " ", el("time", {datetime: entry.at, text: new Date(entry.at).toLocaleString()}))));

  const payable = order.status === "AWAITING_PAYMENT" && role === "CUSTOMER";
  show("pay-section", payable || state.paying || order.status === "PAID");
  $("pay-amount").textContent = money(order.total);
  if (order.status === "PAID") {
    show("pay-start", false);
    show("pay-form", false);
    $("pay-error").textContent = "";
    Panel.notice("This order is paid.");
  }
}

async function load() {
  const data = await Panel.gql(ORDER, {id: $("order").dataset.orderId});
  if (!data.order) {
    Panel.notice("No such order, or not one of yours.");
    return false;
  }
  state.order = data.order;
  state.role = roleOf(data.order, state.me);
  render();
  return true;
}

async function run(name, variables, problem) {
  problem.textContent = "";
  const data = await Panel.gql(MUTATIONS[name], {order: state.order.id, key: Panel.newKey(), ...variables});
  const payload = Object.values(data)[0];
  if (payload.errors.length) {
    problem.textContent = payload.errors.map((error) => error.message).join(" ");
    return null;
  }
  await load();
  return payload;
}

function wireNegotiation() {
  const problem = $("negotiation-error");
  $("negotiation-open").addEventListener("click", () => run("open", {}, problem));
  $("propose-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const form = event.target;
    const done = await run("propose", {
      amount: form.amount.value.trim(), currency: state.order.total.currency, note: form.note.value.trim(),
    }, problem);
    if (done) form.reset();
  });
  const answer = (name) => () => {
    const open = state.order.negotiation && state.order.negotiation.openProposal;
    if (open) run(name, {proposal: open.id}, problem);
  };
  $("proposal-accept").addEventListener("click", answer("accept"));
  $("proposal-reject").addEventListener("click", answer("reject"));
  $("proposal-withdraw").addEventListener("click", answer("withdraw"));
}

function loadStripe() {
  if (window.Stripe) return Promise.resolve(window.Stripe);
  return new Promise((resolve, reject) => {
    const script = document.createElement("script");
    script.src = $("order").dataset.stripeJs;
    script.onload = () => resolve(window.Stripe);
    script.onerror = () => reject(new Error("The card form could not be loaded."));
    document.head.append(script);
  });
}

function wirePayment() {
  const problem = $("pay-error");
  let secret = null;
  let card = null;
  let stripe = null;
  $("pay-start").addEventListener("click", async () => {
    problem.textContent = "";
    state.paying = true;
    const started = await run("pay", {}, problem);
    if (!started) return;
    secret = started.result.clientSecret;
    try {
      const StripeJs = await loadStripe();
      stripe = StripeJs($("order").dataset.stripeKey);
      card = stripe.elements().create("card");
      card.mount("#card-element");
    } catch (failure) {
      problem.textContent = failure.message;
      return;
    }
    show("pay-start", false);
    show("pay-form", true);
    $("card-element").querySelectorAll("input").forEach((input) => {
      input.setAttribute("aria-label", `Card ${input.getAttribute("placeholder").replace("_", " ")}`);
    });
    const first = $("card-element").querySelector("input");
    if (first) first.focus();
  });
  $("pay-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    problem.textContent = "";
    const {error} = await stripe.confirmCardPayment(secret, {payment_method: {card}});
    if (error) {
      problem.textContent = error.message || "The card was not accepted.";
      return;
    }
    Panel.notice("Payment sent; waiting for the confirmation.");
  });
}

/* The chat: renders any message frame, system messages set apart; reconnects after a drop. */
function startChat() {
  const log = $("chat-log");
  const status = $("chat-state");
  let socket = null;
  let typingTimer = null;
  let retry = 1000;
  const seen = new Set();

  function addMessage(message) {
    if (!message || seen.has(message.id)) return;
    seen.add(message.id);
    const system = message.kind === "system";
    const who = system ? "System" : (message.author_id === state.me.id ? "You" : Panel.label(message.author_role));
    const item = Panel.el("li", {class: system ? "message system" : "message", "data-kind": message.kind || "user"},
      Panel.el("span", {class: "author", text: `${who}: `}), Panel.el("span", {class: "text", text: message.text}));
    log.append(item);
    if (!system && message.author_id !== state.me.id && socket && socket.readyState === WebSocket.OPEN) {
      socket.send(JSON.stringify({type: "read", message_id: message.id}));
    }
  }

  function connect() {
    const scheme = window.location.protocol === "https:" ? "wss" : "ws";
    socket = new WebSocket(`${scheme}://${window.location.host}/ws/orders/${state.order.id}/chat/`,
      ["bearer", Panel.token()]);
    socket.addEventListener("open", () => {
      status.textContent = "Connected.";
      retry = 1000;
    });
    socket.addEventListener("message", (event) => {
      let frame;
      try {
        frame = JSON.parse(event.data);
      } catch (ignored) {
        return;
      }
      if (frame.type === "history") (frame.messages || []).forEach(addMessage);
      else if (frame.type === "message") addMessage(frame.message);
      else if (frame.type === "typing") {
        $("chat-typing").textContent = "The other party is typing…";
        clearTimeout(typingTimer);
        typingTimer = setTimeout(() => { $("chat-typing").textContent = ""; }, 3000);
      } else if (frame.type === "error") status.textContent = frame.message || "The message was refused.";
    });
    socket.addEventListener("close", (event) => {
      status.textContent = "Chat disconnected; reconnecting…";
      if ([4403, 4404].includes(event.code)) {
        status.textContent = "The chat is not available for this order.";
        return;
      }
      setTimeout(connect, retry);
      retry = Math.min(retry * 2, 30000);
    });
  }

  Panel.onToken((token) => {
    if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify({type: "auth", token}));
  });
  $("chat-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const text = $("chat-text").value.trim();
    if (!text || !socket || socket.readyState !== WebSocket.OPEN) return;
    socket.send(JSON.stringify({type: "message", text}));
    $("chat-text").value = "";
  });
  let typingSentAt = 0;
  $("chat-text").addEventListener("input", () => {
    const now = Date.now();
    if (now - typingSentAt < 3000 || !socket || socket.readyState !== WebSocket.OPEN) return;
    typingSentAt = now;
    socket.send(JSON.stringify({type: "typing"}));
  });
  connect();
}

Panel.start(async () => {
  state.me = await Panel.ready();
  if (!(await load())) return;
  wireNegotiation();
  wirePayment();
  startChat();
  setInterval(() => load().catch(() => {}), POLL_MS);
});
