// Importing a spreadsheet (editors: for their organisation): a dry run first, whose report is
// shown row by row against the file, then the real run.

import { h } from '../dom.js';
import { t, label, plural } from '../i18n.js';
import { upload, localError } from '../api.js';
import * as session from '../session.js';
import * as organisations from '../organisations.js';
import { describe, rowSentence } from '../errors.js';
import { IMPORT_KINDS, VISIBILITIES, ZONES } from '../vocab.js';
import { readRows } from '../parts/csv.js';
import { createForm } from '../ui/form.js';
import { announce } from '../ui/status.js';
import { pageHeader } from '../ui/widgets.js';

const IMPORT = `mutation Import($kind: ImportKind!, $file: Upload!, $organisationId: ID, $dryRun: Boolean!, $skipInvalid: Boolean!, $visibility: Visibility, $timezone: String!) {
  importCsv(kind: $kind, file: $file, organisationId: $organisationId, dryRun: $dryRun, skipInvalid: $skipInvalid, visibility: $visibility, timezone: $timezone) {
    kind dryRun rows valid created updated unchanged skipped refused written
    warnings { line column message } errors { line column message }
    lines { line outcome label reason changes { field before after } }
  }
}`;

export async function render() {
  const admin = session.isAdmin();
  const own = session.current()?.organisation;
  const report = h('div', { class: 'import-report', id: 'import-report' });
  let checked = null;

  const fields = [
    { name: 'kind', label: t('import.kind'), type: 'radios', options: IMPORT_KINDS.map((v) => ({ value: v, label: `${label('ImportKind', v)} — ${t(`import.layout.${v}`)}` })), value: 'EVENTS', errors: ['kind'] },
    { name: 'file', label: t('import.file'), type: 'file', accept: '.csv,text/csv,.xlsx,.ods,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet,application/vnd.oasis.opendocument.spreadsheet', required: true, hint: t('import.file_hint'), id: 'import-file', errors: ['file'] },
  ];
  if (admin) {
    fields.push({ name: 'organisationId', label: t('field.organisation'), type: 'select', options: await organisations.options(), required: true, errors: ['organisationId'], id: 'import-organisation' });
  }
  fields.push(
    { name: 'visibility', label: t('import.visibility'), type: 'select', options: [{ value: '', label: t('import.visibility_default') }, ...VISIBILITIES.map((v) => ({ value: v, label: label('Visibility', v) }))], id: 'import-visibility' },
    { name: 'timezone', label: t('import.timezone'), type: 'select', options: ZONES.map((z) => ({ value: z, label: t(`zone.${z}`) })), value: 'Europe/Paris', hint: t('import.timezone_hint'), id: 'import-timezone' },
  );

  const variables = (values, dryRun, skipInvalid) => ({
    kind: values.kind || 'EVENTS',
    organisationId: admin ? values.organisationId : own?.id ?? null,
    dryRun,
    skipInvalid,
    visibility: values.visibility || null,
    timezone: values.timezone || 'Europe/Paris',
  });

  const form = createForm({
    submitLabel: t('import.check'),
    fields,
    onSubmit: async (values) => {
      if (!values.file) throw localError({ file: t('import.no_file') });
      checked = null;
      report.replaceChildren();
      const [result, table] = await Promise.all([
        upload(IMPORT, { ...variables(values, true, false), file: null }, 'file', values.file).then((d) => d.importCsv),
        // A workbook is read by the hub only; the report's labels stand for its cells.
        /\.(xlsx|xls|ods)$/i.test(values.file.name) ? null : readRows(values.file).catch(() => null),
      ]);
      checked = { values, result };
      showDryRun(report, result, table, values, async (skipInvalid) => {
        const done = await upload(IMPORT, { ...variables(values, false, skipInvalid), file: null }, 'file', values.file);
        return done.importCsv;
      });
    },
  });
  // A new file, kind or organisation needs a new dry run.
  form.element.addEventListener('change', () => {
    if (checked) {
      checked = null;
      report.replaceChildren(h('p', { class: 'notice' }, t('import.changed')));
    }
  });

  return h(
    'div',
    { class: 'import' },
    pageHeader(t('import.title'), [], admin ? t('import.intro_admin') : t('import.intro', { organisation: own?.name ?? '' })),
    h('ol', { class: 'steps' }, h('li', {}, t('import.step1')), h('li', {}, t('import.step2')), h('li', {}, t('import.step3'))),
    form.element,
    report,
  );
}

function counts(result) {
  // A dry run plans every row as the real run would: its counts are the real run's.
  return h(
    'ul',
    { class: 'import-counts' },
    h('li', {}, plural('import.rows', result.rows)),
    h('li', {}, plural('import.valid', result.valid)),
    h('li', {}, plural('import.errors', result.refused)),
    h('li', {}, plural('import.created', result.created)),
    h('li', {}, plural('import.updated', result.updated)),
    h('li', {}, plural('import.unchanged', result.unchanged)),
    result.skipped ? h('li', {}, plural('import.left', result.skipped)) : null,
  );
}

// What became (or would become) of a row that was not refused: its outcome, its changes.
function outcome(result, row) {
  if (!row) return h('span', {}, h('span', { class: 'status-mark', 'aria-hidden': 'true' }, '✓ '), t('import.row_ok'));
  const done = !result.dryRun && (row.outcome === 'CREATED' || row.outcome === 'UPDATED');
  const said = t(done ? `import.done_outcome.${row.outcome}` : `import.outcome.${row.outcome}`);
  const shown = (v) => (v == null || v === '' ? t('import.empty') : v);
  const changes = row.outcome === 'UPDATED'
    ? h('ul', { class: 'row-changes' }, row.changes.map((c) => h('li', {}, t('import.change', { field: c.field, before: shown(c.before), after: shown(c.after) }))))
    : null;
  return h(
    'span',
    {},
    h('span', { class: 'status-mark', 'aria-hidden': 'true' }, row.outcome === 'SKIPPED' ? '– ' : '✓ '),
    row.outcome === 'SKIPPED' ? said : `${t('import.row_ok')} — ${said}`,
    row.reason ? ` (${row.reason})` : null,
    changes,
  );
}

function rowsTable(result, table) {
  const errorsByLine = new Map();
  for (const error of result.errors) {
    if (!errorsByLine.has(error.line)) errorsByLine.set(error.line, []);
    errorsByLine.get(error.line).push(rowSentence(error.message));
  }
  const byLine = new Map((result.lines ?? []).map((row) => [row.line, row]));
  // Workbooks are not read by the browser: the hub's labels stand for their cells.
  const shownColumns = table ? table.header.slice(0, 3) : [];
  const lines = table ? table.rows : (result.lines ?? []).map((row) => ({ line: row.line, cells: [] }));
  return h(
    'div',
    { class: 'table-scroll', tabindex: '0', role: 'region', 'aria-labelledby': 'import-rows-title' },
    h(
      'table',
      { class: 'data-table import-rows' },
      h('caption', { id: 'import-rows-title' }, t('import.rows_title')),
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, t('import.line')), shownColumns.map((c) => h('th', { scope: 'col' }, c)), h('th', { scope: 'col' }, t('import.result')))),
      h(
        'tbody',
        {},
        lines.map((row) => {
          const problems = errorsByLine.get(row.line);
          return h(
            'tr',
            { class: problems ? 'row-error' : 'row-ok' },
            h('th', { scope: 'row' }, String(row.line)),
            shownColumns.map((_, i) => h('td', {}, row.cells[i] ?? '')),
            h('td', {}, problems ? h('ul', { class: 'row-problems' }, problems.map((p) => h('li', {}, h('span', { class: 'status-mark', 'aria-hidden': 'true' }, '✗ '), p))) : outcome(result, byLine.get(row.line))),
          );
        }),
      ),
    ),
  );
}

function warnings(result) {
  if (!result.warnings.length) return null;
  return h('details', { class: 'warnings' }, h('summary', {}, plural('import.warnings', result.warnings.length)), h('ul', {}, result.warnings.map((w) => h('li', {}, t('import.warning_line', { line: w.line, message: rowSentence(w.message) })))));
}

function showDryRun(report, result, table, values, run) {
  const heading = h('h2', { id: 'dry-run-title', tabindex: '-1' }, t('import.dry_run_title', { file: values.file.name }));
  const skip = h('input', { type: 'checkbox', id: 'import-skip-invalid' });
  const go = h('button', { type: 'button', class: 'button button-primary', id: 'import-run' }, plural('import.run', result.valid));
  const outcome = h('div', { class: 'import-outcome' });
  const hasErrors = result.errors.length > 0;
  go.disabled = result.valid === 0 || (hasErrors && !skip.checked);
  skip.addEventListener('change', () => {
    go.disabled = result.valid === 0 || (hasErrors && !skip.checked);
  });
  go.addEventListener('click', async () => {
    go.disabled = true;
    go.textContent = t('import.running');
    outcome.replaceChildren();
    try {
      const done = await run(skip.checked);
      const title = h('h2', { tabindex: '-1', id: 'import-done-title' }, done.written ? t('import.done') : t('import.not_written'));
      outcome.replaceChildren(h('div', { class: done.written ? 'success' : 'failure', role: done.written ? 'status' : 'alert' }, title, counts(done), done.refused ? h('p', {}, plural('import.skipped', done.refused)) : null));
      go.hidden = done.written;
      title.focus();
      announce(title.textContent);
    } catch (err) {
      outcome.replaceChildren(h('div', { class: 'failure', role: 'alert' }, h('p', {}, describe(err))));
      go.disabled = false;
    } finally {
      go.textContent = plural('import.run', result.valid);
    }
  });
  report.replaceChildren(
    h(
      'section',
      { 'aria-labelledby': 'dry-run-title' },
      heading,
      h('p', {}, hasErrors ? t('import.dry_run_errors') : t('import.dry_run_ok')),
      counts(result),
      rowsTable(result, table),
      warnings(result),
      h(
        'div',
        { class: 'import-run' },
        hasErrors ? h('div', { class: 'choice' }, skip, h('label', { for: 'import-skip-invalid' }, t('import.skip_invalid'))) : null,
        h('p', {}, go),
        outcome,
      ),
    ),
  );
  heading.focus();
  announce(heading.textContent);
}
