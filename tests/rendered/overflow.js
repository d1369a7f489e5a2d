// Run in the page by test_readable.py: what is wider than the box that shows it, on the page as it
// is laid out now. A box here is an element that clips or scrolls horizontally (overflow-x other
// than visible: a code cell, an admonition, MathJax's display container, the article) or the page
// itself, which scrolls sideways when something is wider than the window. A box overflows when some
// content a reader can see (an element or a run of text) ends past its right edge; the report names
// the box and that content, and how many pixels are cut off or scrolled away.
// arguments[0]: a CSS selector of the boxes made to scroll on purpose (they and their content pass).
// Returns [{box, cause, by}], box and cause as {tag, classes, id, near, text, chars}.
const allowed = arguments[0];
const root = document.documentElement;
// Content no reader sees: MathJax's copy of each formula for screen readers (clipped to one pixel,
// laid out by the browser's own MathML, often wider than the typeset formula) and visually hidden text.
const UNSEEN = 'mjx-assistive-mml, .visually-hidden, .sr-only';

const clipsCache = new Map();
function clips(el) {
  if (!clipsCache.has(el)) clipsCache.set(el, getComputedStyle(el).overflowX !== 'visible');
  return clipsCache.get(el);
}
function box(el) {  // the nearest ancestor that clips, or null for the page
  for (let p = el.parentElement; p && p !== root && p !== document.body; p = p.parentElement) {
    if (clips(p)) return p;
  }
  return null;
}
function seen(el) {
  return !el.closest(UNSEEN) && el.checkVisibility({visibilityProperty: true, opacityProperty: true});
}
function rightEdge(b) {  // where the visible part of a box ends
  if (b === null) return root.clientWidth;
  return b.getBoundingClientRect().left + b.clientLeft + b.clientWidth;
}
function longestLine(pre) {
  return pre.innerText.split('\n').reduce((a, b) => (b.length > a.length ? b : a), '');
}
function clip(text, n) {
  const chars = Array.from(text.replace(/\s+/g, ' ').trim());
  return chars.length > n ? chars.slice(0, n).join('') + '…' : chars.join('');
}
function describe(el) {
  if (el.tagName === 'MJX-MATH') el = el.parentElement;  // the formula, not its inner box
  const pre = el.closest('pre') || (el.matches('div.highlight, div.output') ? el.querySelector('pre') : null);
  const line = pre ? longestLine(pre) : null;
  const math = el.closest('div.math');
  const near = el.parentElement && el.parentElement.closest('[id]');
  const classes = typeof el.className === 'string' ? el.className.trim().split(/\s+/).filter(Boolean) : [];
  let text = line !== null ? line : (el.innerText || el.textContent || '');
  const number = math && math.querySelector('.eqno');
  if (number) text = `${number.firstChild.textContent.trim()} ${text}`;  // "(4.1) L(θ) = ..."
  return {tag: el.tagName.toLowerCase(), classes: classes.join('.'), id: el.id || '',
          near: near ? near.id : '', text: clip(text, 80), chars: line !== null ? Array.from(line).length : null};
}
function mathInternal(el) {  // inside a formula, below its mjx-math (MathJax's own boxes and glyphs)
  const math = el.parentElement && el.parentElement.closest('mjx-container');
  return Boolean(math) && el.parentElement !== math;
}
function inside(el, b) {  // el's own nearest clipping box is b, and nothing excuses it
  if (el.closest(allowed) || mathInternal(el)) return false;
  return box(el) === b && seen(el) && getComputedStyle(el).position !== 'fixed';
}
function cause(b) {  // the visible content that ends furthest past b's right edge
  const right = rightEdge(b);
  let best = null, excess = 0;
  const scope = b || document.body;
  for (const el of scope.querySelectorAll('*')) {
    if (!inside(el, b)) continue;
    const r = el.getBoundingClientRect();
    if (r.width > 0 && r.right - right > excess) { best = el; excess = r.right - right; }
  }
  const walker = document.createTreeWalker(scope, NodeFilter.SHOW_TEXT);
  for (let t = walker.nextNode(); t; t = walker.nextNode()) {
    const parent = t.parentElement;
    if (!t.textContent.trim() || !parent) continue;
    if (parent !== b && !(inside(parent, b) && !clips(parent))) continue;  // else in a box of its own
    const range = document.createRange();
    range.selectNodeContents(t);
    const r = range.getBoundingClientRect();
    if (r.width > 0 && r.right - right > excess) { best = parent; excess = r.right - right; }
  }
  return best ? {el: best, by: Math.round(excess)} : null;
}

const found = [];
for (const el of document.body.querySelectorAll('*')) {
  if (!clips(el) || el.closest(allowed) || mathInternal(el)) continue;
  if (el.scrollWidth - el.clientWidth < 2 || !seen(el)) continue;
  const c = cause(el);
  if (c && c.by >= 2) found.push({box: describe(el), cause: c.el === el ? null : describe(c.el), by: c.by});
}
if (root.scrollWidth - root.clientWidth >= 2) {
  const c = cause(null);
  if (c && c.by >= 2) {
    found.push({box: {tag: 'html', classes: '', id: '', near: '', text: 'the page scrolls sideways', chars: null},
                cause: describe(c.el), by: c.by});
  }
}
return found;
