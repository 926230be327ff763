// xrm screens: small progressive enhancements over server-rendered pages.
// No inline handlers anywhere (the Content-Security-Policy forbids them): every
// behaviour hangs off data- attributes through event delegation below.
(function () {
  "use strict";

  function csrf() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  function announce(text) {
    var live = document.getElementById("live");
    if (!live || !text) return;
    live.textContent = "";
    window.setTimeout(function () { live.textContent = text; }, 50);
  }

  function flash(kind, text) {
    var region = document.getElementById("flash");
    if (!region || !text) return;
    var p = document.createElement("p");
    p.className = "flash flash-" + kind;
    p.setAttribute("role", kind === "error" ? "alert" : "status");
    p.textContent = text;
    region.appendChild(p);
  }

  // ------------------------------------------------------------ htmx wiring
  document.addEventListener("htmx:configRequest", function (event) {
    event.detail.headers["X-CSRF-Token"] = csrf();
  });
  document.addEventListener("xrm:announce", function (event) {
    announce(event.detail.value || "");
  });
  document.addEventListener("xrm:error", function (event) {
    var value = event.detail.value || {};
    flash("error", value.message || "");
    announce(value.message || "");
  });
  document.addEventListener("htmx:responseError", function (event) {
    if (!event.detail.xhr.getResponseHeader("HX-Trigger")) {
      flash("error", document.body.getAttribute("data-error-text") || "Error " + event.detail.xhr.status);
    }
  });
  document.addEventListener("htmx:afterSettle", function () {
    document.querySelectorAll("[data-section]").forEach(function (marker) {
      var section = document.getElementById(marker.getAttribute("data-section"));
      if (section) section.hidden = marker.getAttribute("data-visible") !== "true";
    });
    setupTabs(document);
  });

  // ------------------------------------------------------------------ dialog
  function dialog() { return document.getElementById("dialog"); }

  function openDialog(url) {
    var d = dialog();
    if (!d || !window.htmx) { window.location.href = url; return; }
    window.htmx.ajax("GET", url, { target: "#dialog-body", swap: "innerHTML" }).then(function () {
      if (!d.open) d.showModal();
      var first = d.querySelector("input:not([type=hidden]), select, textarea");
      if (first) first.focus();
    });
  }

  function closeDialog() {
    var d = dialog();
    if (d && d.open) d.close();
  }

  document.addEventListener("xrm:dialog-close", closeDialog);
  document.addEventListener("xrm:picked", function (event) {
    var value = event.detail.value || {};
    var form = document.getElementById("record-form");
    var scope = document;
    var hidden = scope.querySelector('input[type=hidden][name="' + value.name + '"][data-lookup-value]');
    if (!hidden) return;
    pick(hidden.closest("[data-lookup]"), value.id, value.label);
    if (form) form.setAttribute("data-dirty", "true");
  });

  // ------------------------------------------------------------------ lookups
  function pick(lookup, id, label) {
    if (!lookup) return;
    var hidden = lookup.querySelector("[data-lookup-value]");
    var text = lookup.querySelector("[data-lookup-text]");
    hidden.value = id;
    text.value = label;
    closePopup(lookup);
    hidden.dispatchEvent(new Event("change", { bubbles: true }));
    text.focus();
  }

  function closePopup(lookup) {
    var popup = lookup.querySelector(".lookup-popup");
    if (popup) popup.innerHTML = "";
    var text = lookup.querySelector("[data-lookup-text]");
    if (text) text.setAttribute("aria-expanded", "false");
  }

  document.addEventListener("htmx:afterSwap", function (event) {
    var target = event.detail.target;
    if (target && target.classList && target.classList.contains("lookup-popup")) {
      var lookup = target.closest("[data-lookup]");
      var text = lookup && lookup.querySelector("[data-lookup-text]");
      if (text) text.setAttribute("aria-expanded", target.children.length ? "true" : "false");
    }
  });

  document.addEventListener("input", function (event) {
    var el = event.target;
    if (el.matches && el.matches("[data-lookup-text]")) {
      // Typing changes the choice: the id is cleared until an option is picked.
      var hidden = el.closest("[data-lookup]").querySelector("[data-lookup-value]");
      if (hidden && hidden.value) hidden.value = "";
    }
    if (el.matches && el.matches("[data-mask]")) applyMask(el);
    var form = el.form || (el.getAttribute && el.getAttribute("form") && document.getElementById(el.getAttribute("form")));
    if (form && form.hasAttribute && form.hasAttribute("data-dirty-check")) form.setAttribute("data-dirty", "true");
  });

  document.addEventListener("keydown", function (event) {
    var el = event.target;
    if (el.matches && el.matches("[data-lookup-text]")) {
      var lookup = el.closest("[data-lookup]");
      var options = Array.prototype.slice.call(lookup.querySelectorAll("[role=option]"));
      if (event.key === "ArrowDown" && options.length) { event.preventDefault(); options[0].focus(); }
      if (event.key === "Escape") closePopup(lookup);
      return;
    }
    if (el.matches && el.matches("[role=option]")) {
      var list = Array.prototype.slice.call(el.parentNode.querySelectorAll("[role=option]"));
      var index = list.indexOf(el);
      if (event.key === "ArrowDown" && index < list.length - 1) { event.preventDefault(); list[index + 1].focus(); }
      if (event.key === "ArrowUp") {
        event.preventDefault();
        if (index > 0) list[index - 1].focus(); else el.closest("[data-lookup]").querySelector("[data-lookup-text]").focus();
      }
      if (event.key === "Enter" || event.key === " ") { event.preventDefault(); choose(el); }
      if (event.key === "Escape") closePopup(el.closest("[data-lookup]"));
      return;
    }
    shortcut(event);
  });

  function choose(option) {
    if (option.hasAttribute("data-create")) {
      closePopup(option.closest("[data-lookup]"));
      openDialog(option.getAttribute("data-create"));
      return;
    }
    pick(option.closest("[data-lookup]"), option.getAttribute("data-id"), option.getAttribute("data-label"));
  }

  // -------------------------------------------------------------- shortcuts
  function typing(el) {
    return el && (el.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName));
  }

  function shortcut(event) {
    if ((event.ctrlKey || event.metaKey) && event.key === "s") {
      var save = document.querySelector('[data-shortcut="s"]');
      if (save) { event.preventDefault(); save.click(); }
      return;
    }
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) return;
    if (event.key === "/") {
      var search = document.querySelector('[data-shortcut="/"]');
      if (search) { event.preventDefault(); search.focus(); search.select(); }
    } else if (event.key === "n") {
      var create = document.querySelector('[data-shortcut="n"]');
      if (create) { event.preventDefault(); create.click(); }
    } else if (event.key === "Escape") {
      document.querySelectorAll(".search-popup, .lookup-popup").forEach(function (p) { p.innerHTML = ""; });
    }
  }

  // ------------------------------------------------------------------ clicks
  document.addEventListener("click", function (event) {
    var el = event.target.closest ? event.target.closest("[data-pick],[data-create],[data-dialog],[data-dialog-close],[data-confirm],[data-add-filter],[data-remove],[data-tab-button],[data-select-all]") : null;
    if (!el) {
      if (!event.target.closest || !event.target.closest(".search-popup, .global-search")) {
        document.querySelectorAll(".search-popup").forEach(function (p) { p.innerHTML = ""; });
      }
      document.querySelectorAll("[data-lookup]").forEach(function (lookup) {
        if (!lookup.contains(event.target)) closePopup(lookup);
      });
      return;
    }
    if (el.hasAttribute("data-pick") || el.hasAttribute("data-create")) { event.preventDefault(); choose(el); return; }
    if (el.hasAttribute("data-dialog")) { event.preventDefault(); openDialog(el.getAttribute("data-dialog")); return; }
    if (el.hasAttribute("data-dialog-close")) { event.preventDefault(); closeDialog(); return; }
    if (el.hasAttribute("data-confirm")) {
      if (!window.confirm(el.getAttribute("data-confirm"))) { event.preventDefault(); event.stopImmediatePropagation(); }
      else { leaving = true; }
      return;
    }
    if (el.hasAttribute("data-add-filter")) { event.preventDefault(); addFilter(el); return; }
    if (el.hasAttribute("data-remove")) {
      event.preventDefault();
      var gone = document.querySelector(el.getAttribute("data-remove"));
      if (gone) gone.remove();
      return;
    }
    if (el.hasAttribute("data-tab-button")) { event.preventDefault(); showTab(el.closest("[data-tabs]"), el.getAttribute("data-tab-button"), true); return; }
    if (el.hasAttribute("data-select-all")) {
      var table = el.closest("table");
      table.querySelectorAll('input[name="ids"]').forEach(function (box) { box.checked = el.checked; });
    }
  });

  function addFilter(button) {
    var index = parseInt(button.getAttribute("data-next-index") || "0", 10);
    if (index >= 10 || !window.htmx) return;
    button.setAttribute("data-next-index", String(index + 1));
    window.htmx.ajax("GET", button.getAttribute("data-add-filter") + "?i=" + index, { target: "#filter-rows", swap: "beforeend" });
  }

  // ---------------------------------------------------------- filter rows
  document.addEventListener("change", function (event) {
    var el = event.target;
    // Fields tied to a form by its id (form="record-form") sit outside it in the page, so
    // their change events never reach it: tell the form, which refreshes live fields.
    var owner = el.form;
    if (owner && owner.hasAttribute("hx-post") && !owner.contains(el)) {
      owner.dispatchEvent(new CustomEvent("xrm:changed"));
    }
    if (el.matches && el.matches(".filter-row select[name^=o]")) betweenInputs(el.closest(".filter-row"));
  });

  function betweenInputs(row) {
    var op = row.querySelector("select[name^=o]");
    row.querySelectorAll(".between-to").forEach(function (input) {
      input.hidden = !op || op.value !== "between";
    });
  }

  // --------------------------------------------------------------------- tabs
  function showTab(container, name, focus) {
    if (!container) return;
    container.querySelectorAll(":scope > [data-tab]").forEach(function (panel) {
      panel.hidden = panel.getAttribute("data-tab") !== name;
    });
    container.querySelectorAll("[data-tab-button]").forEach(function (button) {
      var selected = button.getAttribute("data-tab-button") === name;
      button.setAttribute("aria-selected", selected ? "true" : "false");
      button.setAttribute("tabindex", selected ? "0" : "-1");
      if (selected && focus) button.focus();
    });
    if (focus && window.history.replaceState) window.history.replaceState(window.history.state, "", "#tab-" + name);
  }

  function setupTabs(root) {
    root.querySelectorAll("[data-tabs]").forEach(function (container) {
      if (container.getAttribute("data-tabs-ready") === "true") return;
      var buttons = container.querySelectorAll("[data-tab-button]");
      if (!buttons.length) return;
      container.setAttribute("data-tabs-ready", "true");
      container.classList.add("tabs-enhanced");
      var wanted = (window.location.hash || "").replace("#tab-", "");
      var withError = container.querySelector(".has-error");
      if (withError) wanted = withError.closest("[data-tab]").getAttribute("data-tab");
      var names = Array.prototype.map.call(buttons, function (b) { return b.getAttribute("data-tab-button"); });
      showTab(container, names.indexOf(wanted) >= 0 ? wanted : names[0], false);
      container.querySelector("[role=tablist]").addEventListener("keydown", function (event) {
        var current = names.indexOf(document.activeElement.getAttribute("data-tab-button"));
        if (current < 0) return;
        if (event.key === "ArrowRight") { event.preventDefault(); showTab(container, names[(current + 1) % names.length], true); }
        if (event.key === "ArrowLeft") { event.preventDefault(); showTab(container, names[(current - 1 + names.length) % names.length], true); }
      });
    });
  }

  // ---------------------------------------------------------------- masks
  // "A" takes a letter (upper-cased), "9" a digit; anything else is written as is.
  function applyMask(input) {
    var mask = input.getAttribute("data-mask");
    var raw = input.value.replace(/[^0-9A-Za-z]/g, "");
    var out = "";
    var i = 0;
    for (var m = 0; m < mask.length && i < raw.length; m++) {
      var slot = mask.charAt(m);
      if (slot === "A") {
        while (i < raw.length && !/[A-Za-z]/.test(raw.charAt(i))) i++;
        if (i < raw.length) out += raw.charAt(i++).toUpperCase();
      } else if (slot === "9") {
        while (i < raw.length && !/[0-9]/.test(raw.charAt(i))) i++;
        if (i < raw.length) out += raw.charAt(i++);
      } else {
        out += slot;
      }
    }
    if (out !== input.value) input.value = out;
  }

  // ------------------------------------------------------- unsaved changes
  var leaving = false;
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var byHtmx = form.hasAttribute("hx-post") && !form.hasAttribute("data-dirty-check");
    if (byHtmx) return;
    leaving = true;
    form.removeAttribute("data-dirty");
  });
  window.addEventListener("beforeunload", function (event) {
    if (leaving) return;
    if (document.querySelector("form[data-dirty-check][data-dirty=true]")) {
      event.preventDefault();
      event.returnValue = "";
    }
  });

  // ---------------------------------------------------------------- start
  function start() {
    if (!/(?:^|; )xrm_tz=/.test(document.cookie) && window.Intl) {
      var zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
      if (zone) document.cookie = "xrm_tz=" + encodeURIComponent(zone) + "; path=/; max-age=31536000; samesite=lax";
    }
    setupTabs(document);
    document.querySelectorAll(".filter-row").forEach(betweenInputs);
    var d = dialog();
    if (d) d.addEventListener("close", function () { document.getElementById("dialog-body").innerHTML = ""; });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
