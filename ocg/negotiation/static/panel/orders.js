/* "My orders": the orders the account placed and, for designers, the orders of their pieces with open
   negotiations first; each with its status timeline. */
"use strict";

const ORDER_FIELDS = `id number status total { amount currency } placedAt
  timeline { step status at }`;
const LISTS = `query($first: Int) {
  myOrders(first: $first) { edges { node { ${ORDER_FIELDS} } } }
}`;
const DESIGNER_LIST = `query($first: Int) {
  designerOrders(first: $first) { edges { node { ${ORDER_FIELDS} negotiation { status } } } }
}`;

function orderItem(order) {
  const {el, money, label} = Panel;
  const steps = el("ol", {class: "timeline", "aria-label": `Timeline of ${order.number}`});
  order.timeline.forEach((entry) => {
    steps.append(el("li", {}, el("span", {class: "step", text: label(entry.status)}),
      el("time", {datetime: entry.at, text: new Date(entry.at).toLocaleString()})));
  });
  const link = el("a", {href: `/panel/orders/${order.id}/`, text: order.number});
  return el("li", {class: "order", "data-status": order.status},
    el("p", {}, link, " · ", el("strong", {text: label(order.status)}), " · ", money(order.total)), steps);
}

function negotiatingFirst(orders) {
  const open = (order) => (order.negotiation && order.negotiation.status === "OPEN") || order.status === "NEGOTIATING";
  return [...orders.filter(open), ...orders.filter((order) => !open(order))];
}

Panel.start(async () => {
  const me = await Panel.ready();
  const placed = (await Panel.gql(LISTS, {first: 50})).myOrders.edges.map((edge) => edge.node);
  const list = document.getElementById("placed-orders");
  placed.forEach((order) => list.append(orderItem(order)));
  if (!placed.length) list.append(Panel.el("li", {text: "No orders yet."}));
  if (me.roles.includes("designer")) {
    document.getElementById("designer-section").hidden = false;
    const theirs = (await Panel.gql(DESIGNER_LIST, {first: 50})).designerOrders.edges.map((edge) => edge.node);
    const designed = document.getElementById("designer-orders");
    negotiatingFirst(theirs).forEach((order) => designed.append(orderItem(order)));
    if (!theirs.length) designed.append(Panel.el("li", {text: "No orders of your pieces yet."}));
    if (!placed.length) document.getElementById("placed-section").hidden = true;
  }
});
