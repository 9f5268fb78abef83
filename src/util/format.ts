// Text for people: durations, byte counts, and HTML-safe strings. One home for the formatters
// that src/ and the scripts share.

import { checkFinite } from "./validate";

/** A duration with a unit a reader can take in at a glance: "830 µs", "12.4 ms", "3.21 s". */
export function formatSeconds(seconds: number): string {
  checkFinite("seconds", seconds);
  const a = Math.abs(seconds);
  if (a >= 1) return `${seconds.toPrecision(3)} s`;
  if (a >= 1e-3) return `${(seconds * 1e3).toPrecision(3)} ms`;
  if (a >= 1e-6) return `${(seconds * 1e6).toPrecision(3)} µs`;
  return `${(seconds * 1e9).toPrecision(3)} ns`;
}

/** A wall-clock span: "0.8 s", "42 s", "3 min 05 s", "1 h 02 min" ("?" when not a duration). */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return "?";
  if (seconds < 10) return `${seconds.toFixed(1)} s`;
  if (seconds < 60) return `${Math.round(seconds)} s`;
  if (seconds < 3600) {
    const m = Math.floor(seconds / 60);
    return `${m} min ${String(Math.round(seconds - 60 * m)).padStart(2, "0")} s`;
  }
  const h = Math.floor(seconds / 3600);
  return `${h} h ${String(Math.round((seconds - 3600 * h) / 60)).padStart(2, "0")} min`;
}

/** "12.3 MiB": bytes in binary units. */
export function formatBytes(bytes: number): string {
  checkFinite("bytes", bytes);
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let v = bytes;
  let k = 0;
  while (Math.abs(v) >= 1024 && k < units.length - 1) {
    v /= 1024;
    k++;
  }
  return `${k === 0 ? v.toFixed(0) : v.toPrecision(3)} ${units[k]}`;
}

/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(s: string): string {
  return s
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;");
}
