// Markdown → HTML for the HTML book, with markdown-it (CommonMark and GFM tables). Math ($…$,
// $$…$$) is typeset here, at build time, with KaTeX (./math.ts), so the pages need only KaTeX's
// stylesheet and fonts (copied next to them) and no math engine is fetched. Raw HTML is escaped
// except a few harmless tags (br, sub, sup, kbd, details, summary, b, i, em, strong, u, small).

import MarkdownIt from "markdown-it";
import { escapeHtml } from "../../src/util/format";
import { mathPlugin } from "./math";

export { typeset } from "./math";

export interface MarkdownOptions {
  /** Rewrites link targets (e.g. "02-noise.ipynb" → "02-noise.html"). */
  link?: (href: string) => string;
  /** Resolves image sources (e.g. inline a local file as a data: URL). */
  image?: (src: string) => string;
}

export { escapeHtml };

const ALLOWED_TAGS =
  /&lt;(\/?)(br|sub|sup|kbd|details|summary|b|i|em|strong|u|small)\s*(\/?)&gt;/gi;

/** Raw HTML from the notebook: escaped, then the allowed tags let through. */
function allowSomeTags(html: string): string {
  return escapeHtml(html).replace(
    ALLOWED_TAGS,
    (_, close: string, tag: string, self: string) =>
      `<${close}${tag.toLowerCase()}${self ? " /" : ""}>`,
  );
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

/** The per-render options reach the renderer rules through markdown-it's env. */
interface BookEnv {
  options?: MarkdownOptions;
}

const optionsOf = (env: unknown): MarkdownOptions => (env as BookEnv | undefined)?.options ?? {};

const md = new MarkdownIt({ html: true, linkify: false, typographer: false }).use(mathPlugin);

md.renderer.rules.html_block = (tokens, idx) => allowSomeTags(tokens[idx].content);
md.renderer.rules.html_inline = (tokens, idx) => allowSomeTags(tokens[idx].content);

// Code blocks end without the newline markdown-it keeps before </code>.
const defaultFence = md.renderer.rules.fence!;
md.renderer.rules.fence = (...args) =>
  defaultFence(...args).replace(/\n<\/code><\/pre>\n$/, "</code></pre>\n");
const defaultCodeBlock = md.renderer.rules.code_block!;
md.renderer.rules.code_block = (...args) =>
  defaultCodeBlock(...args).replace(/\n<\/code><\/pre>\n$/, "</code></pre>\n");

md.renderer.rules.heading_open = (tokens, idx, opts, _env, self) => {
  const inline = tokens[idx + 1];
  tokens[idx].attrSet("id", slug(inline?.content ?? ""));
  return self.renderToken(tokens, idx, opts);
};

md.renderer.rules.link_open = (tokens, idx, opts, env, self) => {
  const href = tokens[idx].attrGet("href");
  const { link } = optionsOf(env);
  if (href !== null && link) tokens[idx].attrSet("href", link(String(href)));
  return self.renderToken(tokens, idx, opts);
};

md.renderer.rules.image = (tokens, idx, opts, env, self) => {
  const token = tokens[idx];
  const src = token.attrGet("src");
  const { image } = optionsOf(env);
  if (src !== null && image) token.attrSet("src", image(String(src)));
  // markdown-it's own image rule renders the alt text from the children; keep it.
  token.attrSet("alt", self.renderInlineAsText(token.children ?? [], opts, env ?? {}));
  return self.renderToken(tokens, idx, opts);
};

/** Inline markup of one block's text. */
export function renderInline(text: string, options: MarkdownOptions = {}): string {
  return md.renderInline(text, { options } satisfies BookEnv);
}

/**
 * Renders a Markdown document. Blocks are joined without markdown-it's line breaks between tags
 * (white space between block tags means nothing in HTML; inside <pre> the text is escaped, so no
 * `>` newline `<` pair occurs there).
 */
export function renderMarkdown(source: string, options: MarkdownOptions = {}): string {
  return md
    .render(source, { options } satisfies BookEnv)
    .replace(/>\n</g, "><")
    .trimEnd();
}
