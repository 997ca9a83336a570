// hark graph page: draws graph.json with cytoscape.js, expands nodes (double-click, or the
// Expand form), filters edges by type, exports PNG (cytoscape) and SVG (written here from the
// drawn positions). Loaded only on the graph page.
(function () {
  "use strict";
  var container = document.getElementById("cy");
  var status = document.getElementById("graph-status");
  var list = document.getElementById("node-list");
  var css = getComputedStyle(document.documentElement);
  function color(name) { return css.getPropertyValue(name).trim() || "#888"; }
  var colors = { name: "#2f6fde", address: "#d9822b", cluster: "#7a5bd6", A: "#d9822b", AAAA: "#c0562b", CNAME: "#2f9e6e", NS: "#7a7f87", MX: "#b03a8a" };
  var cy = cytoscape({
    container: container,
    wheelSensitivity: 0.3,
    // Large graphs: draw a still image while panning or zooming, labels only when readable.
    textureOnViewport: true,
    hideEdgesOnViewport: true,
    style: [
      { selector: "node", style: { "label": "data(label)", "font-size": 9, "color": color("--fg"), "background-color": function (n) { return colors[n.data("kind")] || "#888"; }, "width": 12, "height": 12, "text-valign": "bottom", "text-margin-y": 2, "min-zoomed-font-size": 7 } },
      { selector: "node[kind = 'address']", style: { "shape": "round-rectangle" } },
      { selector: "node[kind = 'cluster']", style: { "shape": "hexagon", "width": 22, "height": 22 } },
      { selector: "node.subject", style: { "border-width": 3, "border-color": color("--fg") } },
      { selector: "node:selected", style: { "border-width": 3, "border-color": color("--accent") } },
      { selector: "edge", style: { "width": 1, "curve-style": "haystack", "line-color": function (e) { return colors[e.data("rrtype")] || "#999"; }, "opacity": 0.7 } },
      { selector: ".hidden", style: { "display": "none" } }
    ]
  });
  function say() {
    var shown = cy.elements(":visible");
    status.textContent = shown.nodes().length + " nodes, " + shown.edges().length + " edges" + (container.getAttribute("data-truncated") === "true" ? " (cut at the size budget)" : "") + ". Double-click a node to expand it.";
    container.setAttribute("data-nodes", cy.nodes().length);
    container.setAttribute("data-edges", cy.edges().length);
  }
  function listNodes() {
    list.textContent = "";
    cy.nodes().forEach(function (n) {
      var option = document.createElement("option");
      option.value = n.id();
      list.appendChild(option);
    });
  }
  function add(data, around) {
    var added = cy.collection();
    data.nodes.concat(data.edges).forEach(function (element) {
      if (cy.getElementById(element.data.id).length === 0) {
        added = added.union(cy.add(element));
      }
    });
    return added;
  }
  function layout(elements, around) {
    var big = cy.nodes().length > 300;
    var options = around
      ? { name: "concentric", boundingBox: { x1: around.position("x") - 150, y1: around.position("y") - 150, w: 300, h: 300 }, animate: false, fit: false }
      : big ? { name: "concentric", concentric: function (n) { return n.degree(); }, levelWidth: function () { return 4; }, animate: false, minNodeSpacing: 4 }
        : { name: "cose", animate: false, numIter: 500 };
    elements.layout(options).run();
  }
  function load(url, around) {
    status.textContent = "Loading…";
    return fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) {
        if (!response.ok) throw new Error("the server answered " + response.status);
        return response.json();
      })
      .then(function (data) {
        if (!around) container.setAttribute("data-truncated", data.truncated);
        var added = add(data, around);
        if (around) {
          around.addClass("expanded");
          layout(added.nodes(), around);
        } else {
          layout(cy.elements(), null);
          var subject = cy.getElementById(data.subject);
          if (subject.length) subject.addClass("subject");
        }
        applyFilter();
        listNodes();
        say();
        if (!around) performance.mark("hark-graph-ready");
        container.setAttribute("data-ready", "true");
      })
      .catch(function (err) { status.textContent = "Could not load the graph: " + err.message; });
  }
  function expand(node) {
    if (!node || node.length === 0 || node.hasClass("expanded")) return;
    var subject = node.data("subject") || node.id();
    load("/ui/graph/" + encodeURIComponent(subject) + "/graph.json?budget=100&cluster=false", node);
  }
  function applyFilter() {
    var hidden = {};
    document.querySelectorAll("input[name=edge-type]").forEach(function (box) { hidden[box.value] = !box.checked; });
    cy.batch(function () {
      cy.edges().forEach(function (e) { e.toggleClass("hidden", !!hidden[e.data("rrtype")]); });
      cy.nodes().forEach(function (n) {
        var edges = n.connectedEdges();
        n.toggleClass("hidden", edges.length > 0 && edges.filter(function (e) { return !e.hasClass("hidden"); }).length === 0);
      });
    });
    say();
  }
  function download(name, blob) {
    var a = document.createElement("a");
    a.href = URL.createObjectURL(blob);
    a.download = name;
    document.body.appendChild(a);
    a.click();
    setTimeout(function () { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
  }
  function escapeXml(text) {
    return String(text).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
  }
  function svg() {
    var box = cy.elements(":visible").boundingBox();
    var out = ['<svg xmlns="http://www.w3.org/2000/svg" viewBox="' + [box.x1 - 20, box.y1 - 20, box.w + 40, box.h + 40].join(" ") + '" font-family="sans-serif" font-size="9">'];
    cy.edges(":visible").forEach(function (e) {
      var s = e.source().position(), t = e.target().position();
      out.push('<line x1="' + s.x + '" y1="' + s.y + '" x2="' + t.x + '" y2="' + t.y + '" stroke="' + (colors[e.data("rrtype")] || "#999") + '"><title>' + escapeXml(e.data("rrtype")) + "</title></line>");
    });
    cy.nodes(":visible").forEach(function (n) {
      var p = n.position();
      out.push('<circle cx="' + p.x + '" cy="' + p.y + '" r="6" fill="' + (colors[n.data("kind")] || "#888") + '"/><text x="' + p.x + '" y="' + (p.y + 16) + '" text-anchor="middle">' + escapeXml(n.data("label")) + "</text>");
    });
    out.push("</svg>");
    return new Blob([out.join("\n")], { type: "image/svg+xml" });
  }
  cy.on("dbltap", "node", function (event) { expand(event.target); });
  cy.on("select", "node", function (event) { document.getElementById("node").value = event.target.id(); });
  document.getElementById("expand-form").addEventListener("submit", function (event) {
    event.preventDefault();
    expand(cy.getElementById(document.getElementById("node").value));
  });
  document.querySelectorAll("input[name=edge-type]").forEach(function (box) { box.addEventListener("change", applyFilter); });
  document.getElementById("png").addEventListener("click", function () { download("hark-graph.png", cy.png({ output: "blob", full: true, bg: color("--bg") })); });
  document.getElementById("svg").addEventListener("click", function () { download("hark-graph.svg", svg()); });
  load(container.getAttribute("data-src"), null);
})();
