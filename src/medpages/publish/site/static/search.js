/* medpages search: as-you-type suggestions that forgive typos, and full-text results.
 *
 * Reads the static index the builder writes (search/names/<k>.json, search/ft/…), fetching
 * only the shards a query needs. Names are matched word by word with a bounded edit distance
 * (Damerau–Levenshtein, optimal string alignment), so "paracetmol" finds Paracetamol and a
 * brand or synonym leads to its generic's page. No request leaves the site.
 */
(function () {
  "use strict";

  var rootMeta = document.querySelector('meta[name="medpages-root"]');
  var ROOT = new URL(rootMeta ? rootMeta.content : "./", document.baseURI);
  var STOP = new Set(("about after again all also and any are because been before being both but can cannot " +
    "could did does doing don during each few for from further had has have having her here hers him his how " +
    "its itself just may might more most must not now off once only other our out over own same she should " +
    "some such than that the their them then there these they this those through too under until very was " +
    "were what when where which while who whom why will with would you your").split(" "));
  var cache = new Map();

  function getJSON(path) {
    if (!cache.has(path)) {
      cache.set(path, fetch(new URL(path, ROOT), { cache: "no-cache" })
        .then(function (r) { return r.ok ? r.json() : null; })
        .catch(function () { return null; }));
    }
    return cache.get(path);
  }

  function fold(text) {
    return text.normalize("NFKD").replace(/[^\x00-\x7f]/g, "").toLowerCase();
  }
  function words(text) { return fold(text).match(/[a-z0-9]+/g) || []; }

  /* The page path of a title, by the catalogue's slug rule (the index stores the path when it differs). */
  function guessedPath(title) {
    var slug = title.replace(/[^A-Za-z0-9\s]/g, "-").replace(/\s+/g, "-").replace(/-+/g, "-").toLowerCase();
    var first = title.trim().charAt(0);
    return (/[A-Za-z]/.test(first) ? first.toLowerCase() : "0-9") + "/" + slug;
  }
  function pageURL(title, path) { return new URL((path === 0 ? guessedPath(title) : path) + "/", ROOT).href; }

  /* Optimal string alignment distance, or max + 1 as soon as it must exceed max. */
  function distance(a, b, max) {
    if (Math.abs(a.length - b.length) > max) return max + 1;
    var prev2 = null, prev = [], row, i, j;
    for (j = 0; j <= b.length; j++) prev.push(j);
    for (i = 1; i <= a.length; i++) {
      row = [i];
      var best = i;
      for (j = 1; j <= b.length; j++) {
        var cost = a.charCodeAt(i - 1) === b.charCodeAt(j - 1) ? 0 : 1;
        var v = Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + cost);
        if (prev2 && i > 1 && j > 1 && a.charCodeAt(i - 1) === b.charCodeAt(j - 2) && a.charCodeAt(i - 2) === b.charCodeAt(j - 1)) {
          v = Math.min(v, prev2[j - 2] + 1);
        }
        row.push(v);
        if (v < best) best = v;
      }
      if (best > max) return max + 1;
      prev2 = prev; prev = row;
    }
    return prev[b.length];
  }
  function allowedTypos(word) { return word.length >= 8 ? 2 : word.length >= 4 ? 1 : 0; }

  /* How well one typed word matches one word of a name: 0 for not at all. */
  function wordScore(q, w, last) {
    if (w === q) return 4;
    if (w.lastIndexOf(q, 0) === 0) return last ? 3 : 2;
    var max = allowedTypos(q);
    if (!max) return 0;
    var d = distance(q, w, max);
    if (d <= max) return 2.5 - d * 0.5;
    if (last && w.length > q.length) { // still typing: compare with the start of the word
      d = Math.min(distance(q, w.slice(0, q.length), max), distance(q, w.slice(0, q.length + 1), max));
      if (d <= max) return 1.5 - d * 0.25;
    }
    return 0;
  }
  /* Every typed word must match some word of the name, except a salt or form word (stop), passed
   * over when it matches none; the sum of the best matches, less a little for each word of the
   * name nothing typed matched (Paracetamol before Paracetamol + Codeine). */
  var UNMATCHED_WORD = 0.125;
  function nameScore(typed, nameWords, stop) {
    var total = 0, matched = 0, used = new Set();
    for (var i = 0; i < typed.length; i++) {
      var best = 0, bestK = -1;
      for (var k = 0; k < nameWords.length; k++) {
        var s = wordScore(typed[i], nameWords[k], i === typed.length - 1);
        if (s > best) { best = s; bestK = k; }
      }
      if (!best) {
        if (stop.has(typed[i])) continue;
        return 0;
      }
      matched++;
      used.add(bestK);
      total += best;
    }
    if (!matched) return 0;
    if (nameWords[0] && nameWords[0].lastIndexOf(typed[0], 0) === 0) total += 0.5;
    for (var m = 0; m < nameWords.length; m++) {
      var w = nameWords[m];
      if (!used.has(m) && /[a-z]/.test(w.charAt(0)) && w.length > 1 && !stop.has(w)) total -= UNMATCHED_WORD;
    }
    return total;
  }

  var prepared = new Map();
  function prepareShard(key) {
    if (!prepared.has(key)) {
      prepared.set(key, getJSON("search/names/" + key + ".json").then(function (shard) {
        if (!shard) return null;
        var names = [];
        shard.p.forEach(function (p, i) { names.push({ words: words(p[0]), pages: [i], via: null, bonus: 0.4 }); });
        [["g", "generic name", 0.2], ["s", "also known as", 0.1], ["b", "brand name", 0.1]].forEach(function (kind) {
          var group = shard[kind[0]] || {};
          Object.keys(group).forEach(function (name) {
            names.push({ words: words(name), pages: group[name], via: kind[1] + ": " + name, bonus: kind[2] });
          });
        });
        return { pages: shard.p, names: names };
      }));
    }
    return prepared.get(key);
  }

  var nameIndex = null;
  function readNameIndex() {
    if (!nameIndex) {
      nameIndex = getJSON("search/names/index.json").then(function (index) {
        index = index || {};
        // (a list of keys: an index.json from before the tree, which a build replaces; no typo lookup)
        var keys = Array.isArray(index.keys) ? new Set(index.keys) : treeKeys(index.keys || "");
        return { keys: keys, parts: index.parts || 0, stop: new Set(index.stop || []) };
      });
    }
    return nameIndex;
  }
  /* The shard keys of the index's tree: "ac(aeh(ae))" is a, ca, ce, cha, che. */
  function treeKeys(tree) {
    var keys = new Set(), parents = [""], last = "";
    for (var i = 0; i < tree.length; i++) {
      var c = tree.charAt(i);
      if (c === "(") { keys.delete(last); parents.push(last); }
      else if (c === ")") parents.pop();
      else { last = parents[parents.length - 1] + c; keys.add(last); }
    }
    return keys;
  }

  /* The shard of a word: its first one, two, three… letters, whichever the index has. */
  var MAX_KEY_LETTERS = 6;
  function shardKey(word, letters) {
    var key = (/[0-9]/.test(word.charAt(0)) ? "0" : word.charAt(0)) + word.slice(1, letters);
    while (key.length < letters) key += "_";
    return key;
  }
  function keyOf(word, keys) {
    for (var n = 1; n <= MAX_KEY_LETTERS; n++) { var key = shardKey(word, n); if (keys.has(key)) return key; }
    return null;
  }

  /* The word list's keys of a word: its first four letters after deleting at most `deletions` of
   * its first 4 + deletions (search_index.typo_keys). Two words within a typo share one. */
  var TYPO_KEY_LETTERS = 4;
  function typoKeys(word, deletions) {
    var head = word.slice(0, TYPO_KEY_LETTERS + deletions), keys = new Set([head.slice(0, TYPO_KEY_LETTERS)]);
    var shorter = new Set([head]);
    for (var d = 0; d < deletions; d++) {
      var next = new Set();
      shorter.forEach(function (w) { for (var i = 0; i < w.length; i++) next.add(w.slice(0, i) + w.slice(i + 1)); });
      shorter = next;
      shorter.forEach(function (w) { keys.add(w.slice(0, TYPO_KEY_LETTERS)); });
    }
    return Array.from(keys).sort();
  }
  /* The keys of a typed word's last letters (search_index.tail_keys): the four letters after
   * its first three to seven, each with the length a listed word filed under them has. */
  function tailKeys(typed) {
    var keys = new Set(), n = typed.length;
    for (var shift = -2; shift <= 2; shift++) {
      if (n - shift >= 8) keys.add(typed.slice(TYPO_KEY_LETTERS + 1 + shift, TYPO_KEY_LETTERS + 5 + shift) + "." + (n - shift));
    }
    return Array.from(keys).sort();
  }
  /* The part a typo key is in: 32-bit FNV-1a of its characters, modulo the number of parts. */
  function partOf(key, parts) {
    var h = 0x811c9dc5;
    for (var i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193) >>> 0;
    return h % parts;
  }
  /* The listed words filed under any of these keys, sorted. */
  function listed(keys, index) {
    return Promise.all(keys.map(function (key) {
      return (index.parts ? getJSON("search/names/w-" + partOf(key, index.parts) + ".json") : Promise.resolve(null))
        .then(function (part) { return part && Object.prototype.hasOwnProperty.call(part, key) ? part[key].split(" ") : []; });
    })).then(function (lists) {
      var found = new Set();
      lists.forEach(function (list) { list.forEach(function (w) { if (w) found.add(w); }); });
      return Array.from(found).sort();
    });
  }

  /* The words of `list` (sorted) within `max` typos of `typed`, nearest first, then (when none
   * starts with `typed`) those whose start is; null when nothing is near at all. */
  function near(typed, list, max) {
    var whole = [], starts = [], isStart = false, n = typed.length, wholeWords = new Set();
    list.forEach(function (w) {
      if (!isStart && w.lastIndexOf(typed, 0) === 0) isStart = true;
      if (Math.abs(w.length - n) <= max) {
        var d = distance(typed, w, max);
        if (d <= max) { whole.push([d, w]); wholeWords.add(w); }
      }
    });
    var byDistance = function (a, b) { return a[0] - b[0]; };  // Array.prototype.sort is stable
    whole.sort(byDistance);
    if (isStart) return whole;
    list.forEach(function (w) {
      if (w.length > n && !wholeWords.has(w)) {
        var e = distance(typed, w.slice(0, n), max);
        if (e <= max) starts.push([e, w]);
      }
    });
    if (!whole.length && !starts.length) return null;
    return whole.concat(starts.sort(byDistance));
  }

  var TYPO_SHARDS = 2;
  /* The shards to look a typed word up in: its own, then those of up to TYPO_SHARDS listed words
   * within a typo of it (whole words first, nearest first; then, when no listed word starts with
   * what was typed, words whose start is within a typo). So "ubuprofen" finds ibuprofen. The
   * words come from the word list's parts of the typed word's typo keys; when none is near and
   * two typos are allowed, also from those of its keys with two deletions and its tail keys
   * ("phluconazole", "seterizine"). */
  function shardsFor(typed, index) {
    var own = keyOf(typed, index.keys), found = own ? [own] : [], max = allowedTypos(typed);
    if (!max) return Promise.resolve(found);
    return listed(typoKeys(typed, 1), index).then(function (list) {
      var candidates = near(typed, list, max);
      if (candidates === null && max === 2) {
        return listed(typoKeys(typed, 2).concat(tailKeys(typed)), index).then(function (more) {
          return near(typed, more, max);
        });
      }
      return candidates;
    }).then(function (candidates) {
      candidates = candidates || [];
      var added = 0;
      for (var i = 0; i < candidates.length; i++) {
        var key = keyOf(candidates[i][1], index.keys);
        if (key !== null && found.indexOf(key) < 0) {
          if (added === TYPO_SHARDS) break;
          found.push(key);
          added++;
        }
      }
      return found;
    });
  }

  /* Medicines whose name, generic name, synonym or brand matches the query, best first. */
  function searchNames(query, limit) {
    var typed = words(query);
    if (!typed.length) return Promise.resolve([]);
    return readNameIndex().then(function (index) {
      return shardsFor(typed[0], index).then(function (keys) {
        return Promise.all(keys.map(prepareShard));
      }).then(function (shards) {
        var best = new Map();
        shards.forEach(function (shard) {
          if (!shard) return;
          var found = new Map();
          shard.names.forEach(function (name) {
            var s = nameScore(typed, name.words, index.stop);
            if (!s) return;
            s += name.bonus;
            name.pages.forEach(function (i) {
              var seen = found.get(i);
              if (!seen || s > seen.score) found.set(i, { score: s, via: name.via });
            });
          });
          found.forEach(function (hit, i) {
            var page = shard.pages[i], url = pageURL(page[0], page[1]), seen = best.get(url);
            if (!seen || hit.score > seen.score) {
              best.set(url, { title: page[0], url: url, via: hit.via, score: hit.score, empty: page[2] === 1 });
            }
          });
        });
        var results = Array.from(best.values());
        results.sort(function (a, b) {
          return b.score - a.score || a.title.length - b.title.length || (a.title < b.title ? -1 : a.title > b.title ? 1 : 0);
        });
        return results.slice(0, limit);
      });
    });
  }

  /* Pages whose text has every query word (or, failing that, any), best first. */
  function searchText(query, limit) {
    var typed = words(query).filter(function (w) { return w.length >= 3 && !STOP.has(w); });
    if (!typed.length) return Promise.resolve([]);
    return getJSON("search/ft/meta.json").then(function (meta) {
      if (!meta) return [];
      var dead = new Set(meta.dead);
      return Promise.all(typed.map(function (q) {
        var prefix = q.slice(0, 2);
        return Promise.all([
          meta.prefixes.indexOf(prefix) >= 0 ? getJSON("search/ft/" + prefix + ".json") : null,
          meta.delta.indexOf(prefix) >= 0 ? getJSON("search/ft/d-" + prefix + ".json") : null
        ]).then(function (shards) {
          var scores = new Map();
          addPostings(shards[0], q, scores, dead);
          addPostings(shards[1], q, scores, null);
          return scores;
        });
      })).then(function (perWord) {
        var total = new Map(), hits = new Map();
        perWord.forEach(function (scores) {
          scores.forEach(function (s, id) {
            total.set(id, (total.get(id) || 0) + s);
            hits.set(id, (hits.get(id) || 0) + 1);
          });
        });
        var ids = Array.from(total.keys());
        var all = ids.filter(function (id) { return hits.get(id) === perWord.length; });
        if (all.length) ids = all;
        ids.sort(function (a, b) { return total.get(b) - total.get(a) || a - b; });
        return Promise.all(ids.slice(0, limit).map(function (id) { return documentOf(meta, id); }));
      });
    }).then(function (docs) { return docs.filter(Boolean); });
  }

  function addPostings(shard, q, scores, dead) {
    if (!shard) return;
    var terms = Object.keys(shard), matched = [];
    terms.forEach(function (t) { if (t.lastIndexOf(q, 0) === 0) matched.push([t, t === q ? 1 : 0.7]); });
    if (!matched.length && allowedTypos(q)) {
      terms.forEach(function (t) { if (distance(q, t, allowedTypos(q)) <= allowedTypos(q)) matched.push([t, 0.6]); });
    }
    matched.forEach(function (m) {
      var flat = shard[m[0]], id = 0;
      for (var i = 0; i < flat.length; i += 2) {
        id += flat[i];
        if (dead && dead.has(id)) continue;
        var s = flat[i + 1] * m[1];
        if (s > (scores.get(id) || 0)) scores.set(id, s);
      }
    });
  }

  function documentOf(meta, id) {
    var own = meta.docs[String(id)];
    if (own) return Promise.resolve({ title: own[0], url: pageURL(own[0], own[1]) });
    return getJSON("search/ft/docs/" + Math.floor(id / meta.chunk) + ".json").then(function (chunk) {
      var doc = chunk && chunk[id % meta.chunk];
      return doc ? { title: doc[0], url: pageURL(doc[0], doc[1]) } : null;
    });
  }

  /* "not yet written" after an empty page's title, as the letter pages show it */
  function appendTag(li) {
    li.appendChild(document.createTextNode(" "));
    var tag = document.createElement("span");
    tag.className = "tag";
    tag.textContent = "not yet written";
    li.appendChild(tag);
  }

  /* ------------------------------------------------------------ the combobox (ARIA 1.2) */

  function setupCombobox(form) {
    var input = form.querySelector('[role="combobox"]');
    var list = form.querySelector('[role="listbox"]');
    var status = form.querySelector("[data-status]");
    var options = [], active = -1, sequence = 0;

    function close() {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }
    function setActive(index) {
      options.forEach(function (o, i) { o.element.setAttribute("aria-selected", i === index ? "true" : "false"); });
      active = index;
      if (index < 0) { input.removeAttribute("aria-activedescendant"); return; }
      input.setAttribute("aria-activedescendant", options[index].element.id);
      options[index].element.scrollIntoView({ block: "nearest" });
    }
    function go(index) { window.location.assign(options[index].url); }
    function show(results, query) {
      list.textContent = "";
      options = results.map(function (r) { return { title: r.title, via: r.via, url: r.url, empty: r.empty }; });
      options.push({ title: "Search all pages for “" + query + "”", via: null,
        url: new URL("search/?q=" + encodeURIComponent(query), ROOT).href, all: true });
      options.forEach(function (o, i) {
        var li = document.createElement("li");
        li.id = list.id + "-" + i;
        li.setAttribute("role", "option");
        li.setAttribute("aria-selected", "false");
        if (o.all) li.className = "all";
        li.appendChild(document.createTextNode(o.title));
        if (o.empty) appendTag(li);
        if (o.via) {
          var via = document.createElement("span");
          via.className = "via";
          via.textContent = o.via;
          li.appendChild(via);
        }
        li.addEventListener("mousedown", function (event) { event.preventDefault(); });
        li.addEventListener("click", function () { go(i); });
        o.element = li;
        list.appendChild(li);
      });
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
      active = -1;
      var n = results.length;
      status.textContent = n ? n + (n === 1 ? " medicine" : " medicines") + " found; use the arrow keys to choose."
        : "No medicine by that name; press Enter to search all pages.";
    }
    function update() {
      var query = input.value.trim(), mine = ++sequence;
      if (!query) { close(); status.textContent = ""; return; }
      searchNames(query, 8).then(function (results) { if (mine === sequence) show(results, query); });
    }
    input.addEventListener("input", update);
    input.addEventListener("keydown", function (event) {
      var open = !list.hidden && options.length;
      if (event.key === "ArrowDown") {
        event.preventDefault();
        if (!open) { update(); return; }
        setActive(active + 1 >= options.length ? 0 : active + 1);
      } else if (event.key === "ArrowUp") {
        event.preventDefault();
        if (open) setActive(active <= 0 ? options.length - 1 : active - 1);
      } else if (event.key === "Enter") {
        if (open && active >= 0) { event.preventDefault(); go(active); }
      } else if (event.key === "Escape") {
        if (open) { event.preventDefault(); close(); } else { input.value = ""; }
      }
    });
    input.addEventListener("blur", function () { setTimeout(close, 150); });
  }

  /* ------------------------------------------------------------ the search page */

  function setupSearchPage(form) {
    var input = form.querySelector('input[name="q"]');
    var status = document.getElementById("search-status");
    var nameBox = document.querySelector("[data-name-results]");
    var textBox = document.querySelector("[data-text-results]");
    var sequence = 0, timer = null;

    function fill(box, results) {
      var list = box.querySelector("[data-list]");
      list.textContent = "";
      results.forEach(function (r) {
        var li = document.createElement("li"), a = document.createElement("a");
        a.href = r.url;
        a.textContent = r.title;
        li.appendChild(a);
        if (r.empty) appendTag(li);
        if (r.via) {
          var via = document.createElement("span");
          via.className = "via";
          via.textContent = r.via;
          li.appendChild(via);
        }
        list.appendChild(li);
      });
      box.hidden = !results.length;
    }
    function run() {
      var query = input.value.trim(), mine = ++sequence;
      var url = new URL(window.location.href);
      if (query) url.searchParams.set("q", query); else url.searchParams.delete("q");
      window.history.replaceState(null, "", url);
      if (!query) { fill(nameBox, []); fill(textBox, []); status.textContent = ""; return; }
      status.textContent = "Searching…";
      Promise.all([searchNames(query, 10), searchText(query, 20)]).then(function (found) {
        if (mine !== sequence) return;
        var names = found[0], seen = new Set(names.map(function (r) { return r.url; }));
        var texts = found[1].filter(function (r) { return !seen.has(r.url); });
        fill(nameBox, names);
        fill(textBox, texts);
        var n = names.length + texts.length;
        status.textContent = n ? n + (n === 1 ? " result" : " results") + " for “" + query + "”."
          : "Nothing found for “" + query + "”. Check the spelling, or browse A–Z.";
      });
    }
    form.addEventListener("submit", function (event) { event.preventDefault(); clearTimeout(timer); run(); });
    input.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(run, 150); });
    input.value = new URLSearchParams(window.location.search).get("q") || "";
    if (input.value) run();
  }

  function start() {
    document.querySelectorAll("form[data-search]").forEach(setupCombobox);
    document.querySelectorAll("form[data-search-page]").forEach(setupSearchPage);
  }
  window.medpagesSearch = { searchNames: searchNames, searchText: searchText, distance: distance };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start); else start();
})();
