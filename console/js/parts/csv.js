// Reading a spreadsheet in the browser the way the hub reads it — a BOM, else UTF-8, else
// Windows-1252; an Excel `sep=` line; `;`, `,` or tab; quoted cells over several lines — so
// that the dry run's report can be shown against each row, with the line the hub names.

function decode(bytes) {
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return new TextDecoder('utf-8').decode(bytes.subarray(3));
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return new TextDecoder('windows-1252').decode(bytes);
  }
}

function sniff(firstLine) {
  const counts = { ';': 0, ',': 0, '\t': 0 };
  let quoted = false;
  for (const c of firstLine) {
    if (c === '"') quoted = !quoted;
    else if (!quoted && c in counts) counts[c] += 1;
  }
  const [best, count] = Object.entries(counts).sort((a, b) => b[1] - a[1])[0];
  return count > 0 ? best : ',';
}

/** `{ header: [names], rows: [{ line, cells }] }` of a CSV file (blank lines left out). */
export async function readRows(file, max = 5000) {
  let text = decode(new Uint8Array(await file.arrayBuffer()));
  let line = 1;
  let delimiter = null;
  const sep = /^sep=(.)\r?\n/i.exec(text);
  if (sep) {
    delimiter = sep[1];
    text = text.slice(sep[0].length);
    line = 2;
  }
  delimiter ??= sniff(text.split(/\r?\n/, 1)[0] || '');
  const records = [];
  let cells = [];
  let cell = '';
  let quoted = false;
  let start = line;
  for (let i = 0; i < text.length; i += 1) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i += 1;
      } else if (c === '"') {
        quoted = false;
      } else {
        if (c === '\n') line += 1;
        cell += c;
      }
    } else if (c === '"' && cell === '') {
      quoted = true;
    } else if (c === delimiter) {
      cells.push(cell);
      cell = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i += 1;
      cells.push(cell);
      records.push({ line: start, cells });
      cells = [];
      cell = '';
      line += 1;
      start = line;
      if (records.length > max) break;
    } else {
      cell += c;
    }
  }
  if (cell !== '' || cells.length) {
    cells.push(cell);
    records.push({ line: start, cells });
  }
  const filled = records.filter((r) => r.cells.some((v) => v.trim() !== ''));
  const [head, ...rows] = filled;
  return { header: head ? head.cells.map((c) => c.trim()) : [], rows };
}
