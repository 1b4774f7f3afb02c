/* GraphiQL's settings come from the page's JSON block: the Content-Security-Policy runs no inline script. */
window.GRAPHENE_SETTINGS = JSON.parse(document.getElementById("graphene-settings").textContent);
