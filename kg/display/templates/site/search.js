/* The people search of the static site (kg/site.py): no server, no fetch().
   The index is JSON inside the page (<script id="search-index">): for each person the page (u), the English and
   Russian names (n, r), the life span (y) and every recorded spelling (s).
   A query matches, first, any spelling that contains it with case and accents ignored (ё = е); then any spelling
   that sounds the same once both are reduced to a romanisation skeleton (Zinovyev, Sinowjew, Zinovieff and
   Зиновьев all become "sinovev"), so that a common romanisation finds a person even where it is not recorded.
   Results are built with textContent only: nothing from the data is parsed as HTML. */
(function () {
  "use strict";
  var source = document.getElementById("search-index");
  var input = document.getElementById("q");
  var output = document.getElementById("search-results");
  if (!source || !input || !output) return;
  var people = JSON.parse(source.textContent);
  var LIMIT = 30;

  var CYRILLIC = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ж": "zh", "з": "z", "и": "i", "й": "i",
    "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r", "с": "s", "т": "t", "у": "u",
    "ф": "f", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "shch", "ъ": "", "ы": "y", "ь": "", "э": "e",
    "ю": "yu", "я": "ya", "і": "i", "ї": "i", "є": "e", "ґ": "g", "ў": "u"
  };

  // Case and accents ignored; ё is е. (NFD splits й into и + breve; the breve goes too, as in kg.queries.)
  function fold(text) {
    return String(text).toLowerCase().replace(/ё/g, "е").normalize("NFD").replace(/[\u0300-\u036f]/g, "");
  }

  // A romanisation skeleton: Cyrillic transliterated, then the letters romanisations disagree on merged.
  function skeleton(text) {
    var s = fold(text).replace(/[\u0400-\u04ff]/g, function (c) {
      return Object.prototype.hasOwnProperty.call(CYRILLIC, c) ? CYRILLIC[c] : c;
    });
    s = s.replace(/[^a-z]+/g, "");
    return s.replace(/shch|sch/g, "s").replace(/tsch|tch/g, "c").replace(/zh|sh|sz/g, "s").replace(/kh/g, "h")
      .replace(/ch|ts|tz|cz/g, "c").replace(/x/g, "ks").replace(/ff/g, "v").replace(/w/g, "v").replace(/yo/g, "e")
      .replace(/[jy]/g, "i").replace(/z/g, "s").replace(/ie/g, "e").replace(/(.)\1+/g, "$1");
  }

  var entries = people.map(function (p) {
    return {
      person: p,
      folded: p.s.map(fold),
      skeletons: p.s.map(skeleton)
    };
  });

  // Rank 0: a spelling equals the query; 1: a word of it starts with the query; 2: it contains the query;
  // 3: it sounds like the query (skeleton). Lower is better; ties keep A–Z order.
  function match(entry, query, querySkeleton) {
    var best = null;
    entry.folded.forEach(function (spelling, i) {
      var rank = null;
      if (spelling === query) rank = 0;
      else if ((" " + spelling).indexOf(" " + query) >= 0 || ("-" + spelling).indexOf("-" + query) >= 0) rank = 1;
      else if (spelling.indexOf(query) >= 0) rank = 2;
      else if (querySkeleton.length >= 3 && entry.skeletons[i].indexOf(querySkeleton) >= 0) rank = 3;
      if (rank !== null && (best === null || rank < best.rank)) best = { rank: rank, spelling: entry.person.s[i] };
    });
    return best;
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function search(raw) {
    var query = fold(raw).trim().replace(/\s+/g, " ");
    while (output.firstChild) output.removeChild(output.firstChild);
    if (query.length < 2) return [];
    var querySkeleton = skeleton(raw);
    var found = [];
    entries.forEach(function (entry, order) {
      var hit = match(entry, query, querySkeleton);
      if (hit) found.push({ entry: entry, hit: hit, order: order });
    });
    found.sort(function (a, b) { return a.hit.rank - b.hit.rank || a.order - b.order; });
    var count = el("p", "result-count", found.length === 0 ? "No person found for \u201c" + raw.trim() + "\u201d." :
      found.length + (found.length === 1 ? " person found" : " people found") +
      (found.length > LIMIT ? "; the first " + LIMIT + " are shown." : "."));
    output.appendChild(count);
    if (!found.length) return found;
    var list = el("ul", "results");
    found.slice(0, LIMIT).forEach(function (item) {
      var p = item.entry.person;
      var li = el("li");
      var link = el("a");
      link.href = p.u;
      link.appendChild(el("span", null, p.n)).lang = "en";
      li.appendChild(link);
      if (p.r) {
        li.appendChild(document.createTextNode(" "));
        li.appendChild(el("span", "ru", p.r)).lang = "ru";
      }
      if (p.y) li.appendChild(el("span", "years", " " + p.y));
      if (item.hit.spelling !== p.n && item.hit.spelling !== p.r) {
        li.appendChild(el("span", "matched", " (" + (item.hit.rank === 3 ? "sounds like " : "as ") + item.hit.spelling + ")"));
      }
      list.appendChild(li);
    });
    output.appendChild(list);
    return found;
  }

  input.addEventListener("input", function () { search(input.value); });
  var form = input.form;
  if (form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var found = search(input.value);
      var first = output.querySelector("a");
      if (found.length === 1 && first) window.location.href = first.href;
      else if (first) first.focus();
    });
  }
  var initial = new URLSearchParams(window.location.search).get("q");
  if (initial) {
    input.value = initial;
    search(initial);
  }
  document.body.setAttribute("data-ready", "1");
})();
