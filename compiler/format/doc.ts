// A small Wadler/Prettier-style document printer for `sdn fmt`: a group prints on one line if
// it fits in the width, otherwise its `line`s become newlines. Trailing comments are
// `lineSuffix`es, held back until the end of the line they belong to.
export type Doc = string | Doc[] | Group | Indent | Line | LineSuffix;
interface Group { kind: 'group'; contents: Doc; break: boolean }
interface Indent { kind: 'indent'; contents: Doc }
interface Line { kind: 'line'; soft: boolean; hard: boolean }
interface LineSuffix { kind: 'lineSuffix'; text: string }

/** A space, or a newline when the enclosing group breaks. */
export const line: Doc = { kind: 'line', soft: false, hard: false };
/** Nothing, or a newline when the enclosing group breaks. */
export const softline: Doc = { kind: 'line', soft: true, hard: false };
/** Always a newline (and so it breaks every enclosing group). */
export const hardline: Doc = { kind: 'line', soft: false, hard: true };

export const group = (contents: Doc, forceBreak = false): Doc => ({ kind: 'group', contents, break: forceBreak });
export const indent = (contents: Doc): Doc => ({ kind: 'indent', contents });
export const lineSuffix = (text: string): Doc => ({ kind: 'lineSuffix', text });

export function join(sep: Doc, docs: Doc[]): Doc[] {
  return docs.flatMap((d, i) => (i === 0 ? [d] : [sep, d]));
}

const FLAT = 0;
const BREAK = 1;
type Cmd = [indent: number, mode: number, doc: Doc];

/** Marks every group that contains a hard line or a broken group as broken; returns whether `doc` does. */
function propagateBreaks(doc: Doc): boolean {
  if (typeof doc === 'string') return false;
  if (Array.isArray(doc)) return doc.map(propagateBreaks).some(Boolean);
  switch (doc.kind) {
    case 'line': return doc.hard;
    case 'lineSuffix': return false;
    case 'indent': return propagateBreaks(doc.contents);
    case 'group': {
      const inner = propagateBreaks(doc.contents);
      doc.break ||= inner;
      return doc.break;
    }
  }
}

/** Does `next`, printed flat, and what follows it up to the next newline fit in `width` columns? */
function fits(next: Cmd, rest: Cmd[], width: number): boolean {
  let w = width;
  let restIdx = rest.length;
  const stack: Cmd[] = [next];
  while (w >= 0) {
    if (stack.length === 0) {
      if (restIdx === 0) return true;
      stack.push(rest[--restIdx]);
      continue;
    }
    const [ind, mode, d] = stack.pop()!;
    if (typeof d === 'string') {
      const nl = d.indexOf('\n');
      if (nl >= 0) return w - nl >= 0;
      w -= d.length;
    } else if (Array.isArray(d)) {
      for (let i = d.length - 1; i >= 0; i--) stack.push([ind, mode, d[i]]);
    } else if (d.kind === 'indent') {
      stack.push([ind, mode, d.contents]);
    } else if (d.kind === 'group') {
      stack.push([ind, d.break ? BREAK : mode, d.contents]);
    } else if (d.kind === 'line') {
      if (mode === BREAK || d.hard) return true;
      if (!d.soft) w -= 1;
    }
  }
  return false;
}

function trimTrailingSpaces(out: string[]): void {
  while (out.length > 0) {
    const last = out[out.length - 1].replace(/ +$/, '');
    if (last === '') out.pop();
    else {
      out[out.length - 1] = last;
      return;
    }
  }
}

export function render(doc: Doc, width: number): string {
  propagateBreaks(doc);
  const out: string[] = [];
  let pos = 0;
  let suffixes: string[] = [];
  const cmds: Cmd[] = [[0, BREAK, doc]];
  while (cmds.length > 0) {
    const [ind, mode, d] = cmds.pop()!;
    if (typeof d === 'string') {
      out.push(d);
      const nl = d.lastIndexOf('\n');
      pos = nl >= 0 ? d.length - nl - 1 : pos + d.length;
    } else if (Array.isArray(d)) {
      for (let i = d.length - 1; i >= 0; i--) cmds.push([ind, mode, d[i]]);
    } else if (d.kind === 'indent') {
      cmds.push([ind + 2, mode, d.contents]);
    } else if (d.kind === 'group') {
      const flat = mode === FLAT || (!d.break && fits([ind, FLAT, d.contents], cmds, width - pos));
      cmds.push([ind, flat ? FLAT : BREAK, d.contents]);
    } else if (d.kind === 'lineSuffix') {
      suffixes.push(d.text);
    } else if (mode === FLAT && !d.hard) {
      if (!d.soft) {
        out.push(' ');
        pos += 1;
      }
    } else {
      out.push(...suffixes);
      suffixes = [];
      trimTrailingSpaces(out);
      out.push('\n' + ' '.repeat(ind));
      pos = ind;
    }
  }
  out.push(...suffixes);
  trimTrailingSpaces(out);
  return out.join('');
}
