// Searchable pickers (Tom Select) as progressive enhancement: without this script every
// field is still a plain <select>/<input> that submits the same values.
//
//   <select data-picker="/customers/picker/">  record link; options load from the URL
//                                              (?q=..., JSON [{id, text, subtitle}])
//   <select multiple data-enhance>             multi-select with remove buttons
//   <input data-tags [list="datalist-id"]>     comma-separated tags, new ones allowed
//
// Runs on page load and on every piece of content htmx swaps in (htmx:load); an element
// already enhanced (el.tomselect) is left alone, so nothing is initialised twice.
// No inline scripts anywhere: the Content-Security-Policy forbids them.
(() => {
  "use strict";

  const SEARCH_DELAY_MS = 250;

  // Translated texts come from the page (base.html #picker-texts), English otherwise.
  function texts() {
    const source = document.getElementById("picker-texts");
    const data = source ? source.dataset : {};
    return {
      noResults: data.noResults || "No results",
      typeToSearch: data.typeToSearch || "Type to search",
      add: data.add || "Add",
      remove: data.remove || "Remove",
    };
  }

  function renderRecordOption(data, escape) {
    const subtitle = data.subtitle
      ? `<small class="picker-option-subtitle">${escape(data.subtitle)}</small>`
      : "";
    return `<div>${escape(data.text)}${subtitle}</div>`;
  }

  function messageRenderers(t) {
    return {
      no_results: () => `<div class="no-results">${escapeHtml(t.noResults)}</div>`,
      option_create: (data, escape) =>
        `<div class="create">${escapeHtml(t.add)} <strong>${escape(data.input)}</strong>…</div>`,
    };
  }

  // The endpoint answers a list; tolerate {results: [...]} and anything unexpected.
  function toOptions(payload) {
    const rows = Array.isArray(payload) ? payload : (payload && payload.results) || [];
    return rows
      .filter((row) => row && row.id !== undefined && row.id !== null)
      .map((row) => ({
        id: String(row.id),
        text: String(row.text ?? row.id),
        subtitle: row.subtitle || "",
      }));
  }

  const normalised = (query) => String(query || "").trim().toLowerCase();

  // matchedBy: option id -> the query the server found it for.
  function remoteLoader(url, matchedBy) {
    return function load(query, callback) {
      const target = new URL(url, window.location.href);
      target.searchParams.set("q", query);
      fetch(target, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then((response) => (response.ok ? response.json() : []))
        .then((payload) => {
          const options = toOptions(payload);
          for (const option of options) matchedBy.set(option.id, normalised(query));
          callback(options);
        })
        .catch(() => callback());
    };
  }

  // The server matches more than the visible text (pinyin initials, phone numbers): what it
  // returned for this query always shows; other options are matched on their text here.
  function remoteAwareScore(matchedBy) {
    return function score(query) {
      const local = this.getScoreFunction(query);
      const wanted = normalised(query);
      return (item) => (matchedBy.get(String(item.id)) === wanted ? 1 : local(item));
    };
  }

  function enhanceRecordPicker(select, t) {
    const url = select.dataset.picker;
    const matchedBy = new Map();
    return new window.TomSelect(select, {
      valueField: "id",
      labelField: "text",
      searchField: ["text", "subtitle"],
      allowEmptyOption: !select.required,
      // One choice made: the list closes instead of covering the fields below it.
      closeAfterSelect: true,
      maxOptions: 50,
      loadThrottle: SEARCH_DELAY_MS,
      shouldLoad: (query) => query.trim().length >= 1,
      load: url ? remoteLoader(url, matchedBy) : null,
      score: remoteAwareScore(matchedBy),
      placeholder: select.getAttribute("placeholder") || t.typeToSearch,
      render: { option: renderRecordOption, ...messageRenderers(t) },
    });
  }

  function enhanceMultiSelect(select, t) {
    return new window.TomSelect(select, {
      plugins: { remove_button: { title: t.remove } },
      maxOptions: null,
      hidePlaceholder: true,
      render: messageRenderers(t),
    });
  }

  function datalistOptions(input) {
    const list = input.list;
    if (!list) return [];
    return Array.from(list.options).map((o) => ({ value: o.value, text: o.label || o.value }));
  }

  function enhanceTags(input, t) {
    const picker = new window.TomSelect(input, {
      plugins: { remove_button: { title: t.remove } },
      delimiter: ",",
      splitOn: /[,，]/,
      create: true,
      createOnBlur: true,
      persist: false,
      render: messageRenderers(t),
      // Chinese keyboards type the full-width comma: it ends a tag like "," does.
      onType(text) {
        if (!text.includes("，")) return;
        for (const tag of text.split(/[,，]/)) {
          if (tag.trim()) this.createItem(tag.trim());
        }
        this.setTextboxValue("");
      },
    });
    // Suggestions are added after start-up: passing them as settings would replace the
    // tags the field already holds.
    picker.addOptions(datalistOptions(input));
    return picker;
  }

  function escapeHtml(value) {
    return String(value)
      .replace(/&/g, "&amp;")
      .replace(/</g, "&lt;")
      .replace(/>/g, "&gt;")
      .replace(/"/g, "&quot;");
  }

  const ENHANCERS = [
    ["select[data-picker]", enhanceRecordPicker],
    ["select[multiple][data-enhance]", enhanceMultiSelect],
    ["input[data-tags]", enhanceTags],
  ];

  function enhance(root) {
    if (!window.TomSelect || !root || !root.querySelectorAll) return;
    const t = texts();
    for (const [selector, enhancer] of ENHANCERS) {
      const found = Array.from(root.querySelectorAll(selector));
      if (root.matches && root.matches(selector)) found.push(root);
      for (const element of found) {
        // Skip what is already a picker, and what a swap detached from the page.
        if (element.tomselect || !element.isConnected) continue;
        try {
          enhancer(element, t);
        } catch (error) {
          // A picker that fails to start leaves the plain field, which still works.
          console.warn("picker not enhanced", element, error);
        }
      }
    }
  }

  document.addEventListener("DOMContentLoaded", () => enhance(document));
  // htmx fires htmx:load for each element it adds (and once for the body at start-up).
  document.addEventListener("htmx:load", (event) => enhance(event.detail && event.detail.elt));
  document.addEventListener("htmx:afterSwap", (event) => enhance(event.detail && event.detail.elt));

  window.huikePickers = { enhance };
})();
