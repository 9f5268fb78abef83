// A small Markdown → HTML renderer for the HTML book: headings, paragraphs, emphasis, inline code,
// fenced code, lists (nested), block quotes, tables, links, images and rules. Math ($…$, $$…$$) is
// typeset here, at build time, with KaTeX, so the pages need only KaTeX's stylesheet and fonts
// (copied next to them) and no math engine is fetched. Raw HTML is escaped except a few harmless
// tags (br, sub, sup, kbd, details, summary).

import katex from "katex";

export interface MarkdownOptions {
  /** Rewrites link targets (e.g. "02-noise.ipynb" → "02-noise.html"). */
  link?: (href: string) => string;
  /** Resolves image sources (e.g. inline a local file as a data: URL). */
  image?: (src: string) => string;
}

export function escapeHtml(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

const ALLOWED_TAGS = /&lt;(\/?)(br|sub|sup|kbd|details|summary|b|i|em|strong|u|small)\s*(\/?)&gt;/gi;

/**
 * TeX → HTML. A formula KaTeX cannot parse is shown as its source in red rather than failing the
 * page: the notebook itself (rendered by Jupyter's MathJax) is the reference.
 */
export function typeset(tex: string, display: boolean): string {
  return katex.renderToString(tex, { displayMode: display, throwOnError: false, output: "htmlAndMathml" });
}

/** Heading text → id, as GitHub-ish anchors. */
export function slug(text: string): string {
  return text
    .toLowerCase()
    .replace(/<[^>]*>/g, "")
    .replace(/[^\p{L}\p{N}\s-]/gu, "")
    .trim()
    .replace(/\s+/g, "-");
}

/** Inline markup of one block's text. */
export function renderInline(text: string, options: MarkdownOptions = {}): string {
  const held: string[] = [];
  const hold = (html: string) => `\u0000${held.push(html) - 1}\u0000`;
  let s = text;
  // Backslash escapes first, then code spans and math, which take their content literally.
  s = s.replace(/\\([\\`*_{}[\]()#+\-.!$|<>~])/g, (_, c: string) => hold(escapeHtml(c)));
  s = s.replace(/(`+)([\s\S]*?[^`])\1(?!`)/g, (_, _t: string, code: string) => hold(`<code>${escapeHtml(code.trim())}</code>`));
  s = s.replace(/\$\$([\s\S]+?)\$\$/g, (_, tex: string) => hold(typeset(tex, true)));
  s = s.replace(/\$(?=\S)([^$]*?\S)\$(?!\d)/g, (_, tex: string) => hold(typeset(tex, false)));
  s = s.replace(/<(https?:\/\/[^\s>]+)>/g, (_, url: string) => hold(`<a href="${escapeHtml(url)}">${escapeHtml(url)}</a>`));
  s = escapeHtml(s);
  s = s.replace(ALLOWED_TAGS, (_, close: string, tag: string, self: string) => `<${close}${tag.toLowerCase()}${self ? " /" : ""}>`);
  // Images, then links. Targets were escaped with the rest; unescape for the rewriters.
  const unescape = (u: string) => u.replace(/&quot;/g, '"').replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");
  s = s.replace(/!\[([^\]]*)\]\(([^)\s]+)(?:\s+&quot;([^)]*)&quot;)?\)/g, (_, alt: string, src: string, title?: string) => {
    const url = options.image ? options.image(unescape(src)) : unescape(src);
    return hold(`<img src="${escapeHtml(url)}" alt="${alt}"${title ? ` title="${title}"` : ""}>`);
  });
  s = s.replace(/\[([^\]]+)\]\(([^)\s]+)(?:\s+&quot;([^)]*)&quot;)?\)/g, (_, label: string, href: string, title?: string) => {
    const url = options.link ? options.link(unescape(href)) : unescape(href);
    return `<a href="${escapeHtml(url)}"${title ? ` title="${title}"` : ""}>${label}</a>`;
  });
  s = s.replace(/\*\*(?=\S)([\s\S]*?\S)\*\*/g, "<strong>$1</strong>");
  s = s.replace(/(^|[^\w])__(?=\S)([\s\S]*?\S)__(?!\w)/g, "$1<strong>$2</strong>");
  s = s.replace(/\*(?=[^\s*])([\s\S]*?[^\s*])\*/g, "<em>$1</em>");
  s = s.replace(/\*(?=[^\s*])([^*]?)\*/g, "<em>$1</em>");
  s = s.replace(/(^|[^\w])_(?=\S)([\s\S]*?\S)_(?!\w)/g, "$1<em>$2</em>");
  s = s.replace(/~~(?=\S)([\s\S]*?\S)~~/g, "<del>$1</del>");
  s = s.replace(/ {2,}\n/g, "<br>\n");
  // Restore held pieces (they may nest: a link label can hold code).
  for (let i = 0; i < 3 && s.includes("\u0000"); i++) s = s.replace(/\u0000(\d+)\u0000/g, (_, n: string) => held[Number(n)]);
  return s;
}

interface ListMarker {
  ordered: boolean;
  indent: number;
  width: number;
  start: number;
}

function listMarker(line: string): ListMarker | null {
  const m = /^(\s*)([-*+]|\d{1,9}[.)])(\s+|$)/.exec(line);
  if (!m) return null;
  const ordered = /\d/.test(m[2]);
  return { ordered, indent: m[1].length, width: m[0].length, start: ordered ? parseInt(m[2], 10) : 1 };
}

function isTableSeparator(line: string): boolean {
  return /^\s*\|?\s*:?-{1,}:?\s*(\|\s*:?-{1,}:?\s*)*\|?\s*$/.test(line) && line.includes("-");
}

function splitRow(line: string): string[] {
  let s = line.trim();
  if (s.startsWith("|")) s = s.slice(1);
  if (s.endsWith("|") && !s.endsWith("\\|")) s = s.slice(0, -1);
  const cells: string[] = [];
  let cur = "";
  let code = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === "\\" && s[i + 1] === "|") {
      cur += "|";
      i++;
    } else if (c === "`") {
      code = !code;
      cur += c;
    } else if (c === "|" && !code) {
      cells.push(cur.trim());
      cur = "";
    } else cur += c;
  }
  cells.push(cur.trim());
  return cells;
}

const BLOCK_START = /^(\s{0,3}(#{1,6}\s|#{1,6}$|```|~~~|>|(\*\s*){3,}$|(-\s*){3,}$|(_\s*){3,}$|\$\$))/;

/** Renders a Markdown document. */
export function renderMarkdown(source: string, options: MarkdownOptions = {}): string {
  const lines = source.replace(/\r\n?/g, "\n").replace(/\t/g, "    ").split("\n");
  const out: string[] = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i];
    if (/^\s*$/.test(line)) {
      i++;
      continue;
    }
    // Fenced code.
    const fence = /^(\s{0,3})(`{3,}|~{3,})\s*([\w+-]*)/.exec(line);
    if (fence) {
      const close = fence[2];
      const body: string[] = [];
      i++;
      while (i < lines.length && !lines[i].trim().startsWith(close)) body.push(lines[i++]);
      i++;
      const lang = fence[3] ? ` class="language-${escapeHtml(fence[3])}"` : "";
      out.push(`<pre><code${lang}>${escapeHtml(body.join("\n"))}</code></pre>`);
      continue;
    }
    // Display math block.
    if (/^\s*\$\$/.test(line)) {
      const body: string[] = [line];
      if (!(line.trim().length > 2 && line.trim().endsWith("$$"))) {
        i++;
        while (i < lines.length && !lines[i].includes("$$")) body.push(lines[i++]);
        if (i < lines.length) body.push(lines[i]);
      }
      i++;
      const tex = body.join("\n").trim().replace(/^\$\$/, "").replace(/\$\$$/, "").trim();
      out.push(`<div class="math display">${typeset(tex, true)}</div>`);
      continue;
    }
    // Headings.
    const h = /^\s{0,3}(#{1,6})\s*(.*?)\s*#*\s*$/.exec(line);
    if (h && /^\s{0,3}#{1,6}(\s|$)/.test(line)) {
      const inner = renderInline(h[2], options);
      out.push(`<h${h[1].length} id="${escapeHtml(slug(h[2]))}">${inner}</h${h[1].length}>`);
      i++;
      continue;
    }
    // Rules.
    if (/^\s{0,3}((\*\s*){3,}|(-\s*){3,}|(_\s*){3,})$/.test(line)) {
      out.push("<hr>");
      i++;
      continue;
    }
    // Block quotes.
    if (/^\s{0,3}>/.test(line)) {
      const body: string[] = [];
      while (i < lines.length && /^\s{0,3}>/.test(lines[i])) body.push(lines[i++].replace(/^\s{0,3}>\s?/, ""));
      out.push(`<blockquote>${renderMarkdown(body.join("\n"), options)}</blockquote>`);
      continue;
    }
    // Tables.
    if (line.includes("|") && i + 1 < lines.length && isTableSeparator(lines[i + 1])) {
      const head = splitRow(line);
      const aligns = splitRow(lines[i + 1]).map((c) =>
        c.startsWith(":") && c.endsWith(":") ? "center" : c.endsWith(":") ? "right" : c.startsWith(":") ? "left" : "",
      );
      i += 2;
      const rows: string[][] = [];
      while (i < lines.length && lines[i].includes("|") && !/^\s*$/.test(lines[i])) rows.push(splitRow(lines[i++]));
      const cell = (tag: string, text: string, j: number) =>
        `<${tag}${aligns[j] ? ` style="text-align:${aligns[j]}"` : ""}>${renderInline(text, options)}</${tag}>`;
      out.push(
        `<table><thead><tr>${head.map((c, j) => cell("th", c, j)).join("")}</tr></thead><tbody>` +
          rows.map((r) => `<tr>${head.map((_, j) => cell("td", r[j] ?? "", j)).join("")}</tr>`).join("") +
          `</tbody></table>`,
      );
      continue;
    }
    // Lists.
    const marker = listMarker(line);
    if (marker) {
      const items: string[][] = [];
      let current: string[] = [];
      while (i < lines.length) {
        const l = lines[i];
        const mk = listMarker(l);
        if (mk && mk.indent <= marker.indent + 1 && mk.ordered === marker.ordered) {
          if (current.length) items.push(current);
          current = [l.slice(mk.width)];
          i++;
          continue;
        }
        if (/^\s*$/.test(l)) {
          // A blank line continues the list only if the next line is indented or another item.
          const next = lines[i + 1];
          const nextMarker = next === undefined ? null : listMarker(next);
          const sameList = nextMarker !== null && nextMarker.indent <= marker.indent + 1 && nextMarker.ordered === marker.ordered;
          if (next !== undefined && (/^\s{2,}\S/.test(next) || sameList)) {
            current.push("");
            i++;
            continue;
          }
          break;
        }
        if (/^\s+\S/.test(l) || (!BLOCK_START.test(l) && !listMarker(l) && current.length > 0 && current[current.length - 1] !== "")) {
          // Continuation: strip up to the item's content indentation.
          current.push(l.replace(new RegExp(`^\\s{0,${marker.width}}`), ""));
          i++;
          continue;
        }
        break;
      }
      if (current.length) items.push(current);
      const tag = marker.ordered ? "ol" : "ul";
      const start = marker.ordered && marker.start !== 1 ? ` start="${marker.start}"` : "";
      const rendered = items.map((item) => {
        while (item.length > 0 && item[item.length - 1] === "") item.pop();
        const body = item.join("\n");
        // Tight items (no blank lines) render without <p>.
        const html = renderMarkdown(body, options);
        const tight = !item.includes("") ? html.replace(/^<p>([\s\S]*?)<\/p>/, "$1") : html;
        return `<li>${tight}</li>`;
      });
      out.push(`<${tag}${start}>${rendered.join("")}</${tag}>`);
      continue;
    }
    // Paragraph: until a blank line or the start of another block.
    const para: string[] = [];
    while (i < lines.length && !/^\s*$/.test(lines[i]) && (para.length === 0 || (!BLOCK_START.test(lines[i]) && !listMarker(lines[i])))) {
      para.push(lines[i++]);
    }
    out.push(`<p>${renderInline(para.join("\n").trim(), options)}</p>`);
  }
  return out.join("\n");
}
