// Building the page with DOM calls only: no string is ever parsed as markup into the live
// page, so nothing a record holds can become a script or a style.

const PROPERTIES = new Set(['value', 'checked', 'selected', 'disabled', 'hidden', 'multiple', 'indeterminate']);

/**
 * `h('a', { href: '#/', class: 'x', onclick: f }, 'text', child, [more])`: an element.
 * Attributes that are `null`, `undefined` or `false` are left out; `true` sets an empty one.
 */
export function h(tag, props, ...children) {
  const el = document.createElement(tag);
  if (props) {
    for (const [key, value] of Object.entries(props)) {
      if (value === null || value === undefined || value === false) continue;
      if (key.startsWith('on') && typeof value === 'function') {
        el.addEventListener(key.slice(2).toLowerCase(), value);
      } else if (key === 'class') {
        el.className = Array.isArray(value) ? value.filter(Boolean).join(' ') : value;
      } else if (key === 'dataset') {
        Object.assign(el.dataset, value);
      } else if (PROPERTIES.has(key)) {
        el[key] = value;
      } else {
        el.setAttribute(key, value === true ? '' : String(value));
      }
    }
  }
  append(el, children);
  return el;
}

/** Appends strings (as text), nodes and nested arrays of them; skips `null` and `false`. */
export function append(parent, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(parent, child);
    else if (child instanceof Node) parent.append(child);
    else parent.append(document.createTextNode(String(child)));
  }
  return parent;
}

/** Replaces the children of `parent`. */
export function replace(parent, ...children) {
  parent.replaceChildren();
  return append(parent, children);
}

let counter = 0;
/** An id unique in the page (`prefix-7`). */
export function uid(prefix = 'id') {
  counter += 1;
  return `${prefix}-${counter}`;
}

const RICH = new Set(['P', 'BR', 'A', 'STRONG', 'B', 'EM', 'I', 'U', 'UL', 'OL', 'LI', 'BLOCKQUOTE', 'CODE', 'H3', 'H4']);

/**
 * A long text of a record (HTML or plain text under the hub's one rule, sanitised by it)
 * rebuilt element by element into a fragment: only text formatting and http(s)/mailto links
 * survive, never an attribute but a link's address. Parsed in an inert document, which runs
 * nothing. Text without markup keeps its line breaks.
 */
export function richText(html) {
  const doc = new DOMParser().parseFromString(`<body>${html}</body>`, 'text/html');
  if (!doc.body.querySelector('*')) {
    const out = document.createDocumentFragment();
    doc.body.textContent.split('\n').forEach((line, i) => {
      if (i > 0) out.append(document.createElement('br'));
      out.append(document.createTextNode(line));
    });
    return out;
  }
  return rebuild(doc.body, RICH);
}

/** A search snippet: escaped text whose matched words are in `<mark>`. */
export function markedText(snippet) {
  const doc = new DOMParser().parseFromString(`<body>${snippet}</body>`, 'text/html');
  return rebuild(doc.body, new Set(['MARK']));
}

function rebuild(source, allowed) {
  const out = document.createDocumentFragment();
  for (const node of source.childNodes) {
    if (node.nodeType === Node.TEXT_NODE) {
      out.append(document.createTextNode(node.textContent));
    } else if (node.nodeType === Node.ELEMENT_NODE) {
      const inner = rebuild(node, allowed);
      if (!allowed.has(node.tagName)) {
        out.append(inner);
        continue;
      }
      const el = document.createElement(node.tagName.toLowerCase());
      if (node.tagName === 'A') {
        const href = node.getAttribute('href') || '';
        if (/^(https?:|mailto:)/i.test(href)) {
          el.setAttribute('href', href);
          el.setAttribute('rel', 'noopener noreferrer nofollow');
        }
      }
      el.append(inner);
      out.append(el);
    }
  }
  return out;
}
