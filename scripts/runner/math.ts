// TeX math for markdown-it, typeset with KaTeX at build time: `$…$` inline, `$$…$$` inline or as a
// block (a line starting with `$$`, up to the line holding the closing `$$`). Math is taken before
// any other inline rule at its position, so `_` and `*` inside a formula are not emphasis.

import katex from "katex";
import type MarkdownIt from "markdown-it";

type StateBlock = MarkdownIt.StateBlock;
type StateInline = MarkdownIt.StateInline;

/**
 * TeX → HTML. A formula KaTeX cannot parse is shown as its source in red rather than failing the
 * page: the notebook itself (rendered by Jupyter's MathJax) is the reference.
 */
export function typeset(tex: string, display: boolean): string {
  return katex.renderToString(tex, {
    displayMode: display,
    throwOnError: false,
    output: "htmlAndMathml",
  });
}

const DOLLAR = 0x24;

/** `$$tex$$` or `$tex$` (no space just inside the dollars, no digit just after the closing one). */
function mathInline(state: StateInline, silent: boolean): boolean {
  const { src, pos } = state;
  if (src.charCodeAt(pos) !== DOLLAR) return false;
  let tex: string;
  let display: boolean;
  let end: number;
  if (src.charCodeAt(pos + 1) === DOLLAR) {
    const close = src.indexOf("$$", pos + 2);
    if (close < 0 || close === pos + 2) return false;
    tex = src.slice(pos + 2, close);
    display = true;
    end = close + 2;
  } else {
    const close = src.indexOf("$", pos + 1);
    if (close < 0) return false;
    tex = src.slice(pos + 1, close);
    if (tex.length === 0 || /^\s|\s$/.test(tex) || /\d/.test(src.charAt(close + 1))) return false;
    display = false;
    end = close + 1;
  }
  if (!silent) {
    const token = state.push(display ? "math_inline_display" : "math_inline", "math", 0);
    token.content = tex;
  }
  state.pos = end;
  return true;
}

/** A block starting with `$$` on its own line (or `$$tex$$` on one line). */
function mathBlock(
  state: StateBlock,
  startLine: number,
  endLine: number,
  silent: boolean,
): boolean {
  const start = state.bMarks[startLine] + state.tShift[startLine];
  const first = state.src.slice(start, state.eMarks[startLine]);
  if (!first.startsWith("$$")) return false;
  if (silent) return true;
  const body: string[] = [first];
  let line = startLine;
  if (!(first.trim().length > 2 && first.trim().endsWith("$$"))) {
    for (line = startLine + 1; line < endLine; line++) {
      const text = state.src.slice(state.bMarks[line] + state.tShift[line], state.eMarks[line]);
      body.push(text);
      if (text.includes("$$")) break;
    }
  }
  state.line = Math.min(line + 1, endLine);
  const token = state.push("math_block", "math", 0);
  token.block = true;
  token.content = body.join("\n").trim().replace(/^\$\$/, "").replace(/\$\$$/, "").trim();
  token.map = [startLine, state.line];
  return true;
}

export function mathPlugin(md: MarkdownIt.MarkdownIt): void {
  md.inline.ruler.before("escape", "math_inline", mathInline);
  md.block.ruler.before("fence", "math_block", mathBlock, {
    alt: ["paragraph", "reference", "blockquote", "list"],
  });
  md.renderer.rules.math_inline = (tokens, idx) => typeset(tokens[idx].content, false);
  md.renderer.rules.math_inline_display = (tokens, idx) => typeset(tokens[idx].content, true);
  md.renderer.rules.math_block = (tokens, idx) =>
    `<div class="math display">${typeset(tokens[idx].content, true)}</div>\n`;
}
