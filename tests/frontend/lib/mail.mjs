// Reads the emails the server wrote (the embedded mail transport's .eml files).
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";

function files(dir) {
  let out = [];
  let entries = [];
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch (_) {
    return out;
  }
  for (const e of entries) {
    const path = join(dir, e.name);
    if (e.isDirectory()) out = out.concat(files(path));
    // A `.tmp` file is an email still being written (renamed when complete).
    else if (!e.name.endsWith(".tmp")) out.push(path);
  }
  return out;
}

// Quoted-printable soft breaks and `=3D`, so links can be read.
const unfold = (text) => text.replace(/=\r?\n/g, "").replace(/=3D/g, "=");

// A file that disappears between listing and reading is skipped (the next poll sees it again).
function readMessage(path) {
  try {
    return { path, mtime: statSync(path).mtimeMs, text: unfold(readFileSync(path, "utf8")) };
  } catch (e) {
    if (e.code === "ENOENT") return null;
    throw e;
  }
}

export function messagesTo(dir, recipient) {
  return files(dir)
    .map(readMessage)
    .filter((m) => m !== null)
    .sort((a, b) => a.mtime - b.mtime || a.path.localeCompare(b.path))
    .map((m) => m.text)
    .filter((t) => t.split(/\r?\n/).some((l) => l.toLowerCase().startsWith("to:") && l.includes(recipient)));
}

// Waits for `count` emails to `recipient`; the token of the `linkPath` link in the last one.
export async function mailToken(dir, recipient, linkPath, count) {
  for (let i = 0; i < 300; i++) {
    const found = messagesTo(dir, recipient).filter((m) => m.includes(linkPath));
    if (found.length >= count) {
      const last = found[found.length - 1];
      const match = last.slice(last.indexOf(linkPath)).match(/token=([A-Za-z0-9_-]+)/);
      if (!match) throw new Error(`no ${linkPath} link with a token in:\n${last}`);
      return match[1];
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`expected ${count} email(s) to ${recipient} with a ${linkPath} link in ${dir}`);
}
