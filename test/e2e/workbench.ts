// Reading and driving the parts of the VS Code workbench the extension draws into: the Test
// Explorer tree, editors and their CodeLens, the Test Results and Problems panels. Everything
// waits on conditions (playwright's auto-waiting or waitFor), never on fixed sleeps.
import type { Locator, Page } from 'playwright-core';
import { runCommand, waitFor, type WaitOptions } from './codeServer';

/** A row of the Test Explorer as the user sees it. */
export interface TreeRow {
  /** The row's position in the rendered list (`data-index`), stable while the tree's shape is. */
  index: number;
  /**
   * 1 = flow file, 2 = flow, 3 = step or setup/teardown group, ... in a single-folder workspace
   * (no folder row); a multi-root workspace has its folders at 1 and everything one level deeper.
   * 0 is the tree's virtual root (see TREE_ROOT).
   */
  level: number;
  label: string;
  description: string;
  /** passed, failed, errored, skipped, queued, running, unset; '' for rows without a state (messages). */
  state: string;
  expanded: boolean | undefined;
}

const TEST_TREE = '.part.sidebar .monaco-list[aria-label="Test Explorer"]';

/** The tree's top, above its first-level rows; `[]` as a path names it. It is never rendered. */
export const TREE_ROOT: TreeRow = { index: -1, level: 0, label: '', description: '', state: '', expanded: true };

export function testTree(page: Page): Locator {
  return page.locator(TEST_TREE);
}

/** Shows the Test Explorer in the side bar (only runs the command when it is not showing). */
export async function showTestExplorer(page: Page): Promise<void> {
  if (await testTree(page).isVisible()) return;
  await runCommand(page, 'Testing: Focus on Test Explorer View');
  await testTree(page).waitFor({ state: 'visible', timeout: 30_000 });
}

/** The rows currently rendered (the list is virtual: keep the expanded part small). */
export async function readTree(page: Page): Promise<TreeRow[]> {
  const rows = await testTree(page)
    .locator('.monaco-list-row')
    .evaluateAll((elements) =>
      elements.map((row) => {
        const label = row.querySelector('.label');
        // The label element holds the name as text and the description in a span of its own.
        const name = label
          ? Array.from(label.childNodes)
              .filter((n) => n.nodeType === 3)
              .map((n) => n.textContent ?? '')
              .join('')
          : '';
        const icon = row.querySelector('.computed-state');
        const classes = icon ? Array.from(icon.classList) : [];
        let state: string;
        if (classes.includes('codicon-modifier-spin') || classes.includes('codicon-loading')) state = 'running';
        else state = classes.map((c) => /^codicon-testing-(.+)-icon$/.exec(c)?.[1]).find(Boolean) ?? '';
        if (state === 'error') state = 'errored';
        const expanded = row.getAttribute('aria-expanded');
        return {
          index: Number(row.getAttribute('data-index')),
          level: Number(row.getAttribute('aria-level')),
          label: name.trim(),
          description: label?.querySelector('.test-label-description')?.textContent?.trim() ?? '',
          state,
          expanded: expanded === null ? undefined : expanded === 'true',
        };
      }),
    );
  return rows.sort((a, b) => a.index - b.index);
}

/** The row reached by following labels from the top: [file, flow, step...] (multi-root: [folder, file, ...]). */
export function findRow(rows: TreeRow[], path: string[]): TreeRow | undefined {
  let parent: TreeRow | undefined = TREE_ROOT;
  for (const label of path) {
    if (!parent) return undefined;
    parent = childrenIn(rows, parent).find((row) => row.label === label);
  }
  return parent;
}

/** The rows directly under `parent` (as rendered: an expanded parent's children follow it). */
export function childrenIn(rows: TreeRow[], parent: TreeRow): TreeRow[] {
  const children: TreeRow[] = [];
  for (const row of rows.filter((r) => r.index > parent.index)) {
    if (row.level <= parent.level) break;
    if (row.level === parent.level + 1) children.push(row);
  }
  return children;
}

export function rowLocator(page: Page, row: TreeRow): Locator {
  return testTree(page).locator(`.monaco-list-row[data-index="${row.index}"]`);
}

/**
 * Expands every row along `path` (the last one too, unless `expandLast` is false) and returns the
 * last row as it is rendered then (`[]`: TREE_ROOT).
 */
export async function expandPath(page: Page, path: string[], options: { expandLast?: boolean } = {}): Promise<TreeRow> {
  await showTestExplorer(page);
  const steps = [[], ...path.map((_, i) => path.slice(0, i + 1))];
  let row: TreeRow | undefined;
  for (const [i, prefix] of steps.entries()) {
    row = await waitFor(async () => findRow(await readTree(page), prefix), {
      message: `Test Explorer row ${JSON.stringify(prefix)}`,
    });
    const isLast = i === steps.length - 1;
    if (isLast && options.expandLast === false) break;
    row = await setExpanded(page, prefix, true);
  }
  return row!;
}

/** Collapses the row at `path` (when it is rendered and expanded). */
export async function collapsePath(page: Page, path: string[]): Promise<void> {
  const row = findRow(await readTree(page), path);
  if (row?.expanded) await setExpanded(page, path, false);
}

async function setExpanded(page: Page, path: string[], expanded: boolean): Promise<TreeRow> {
  return waitFor(
    async () => {
      const row = findRow(await readTree(page), path);
      if (!row) return undefined;
      if (row.expanded === undefined || row.expanded === expanded) return row;
      const element = rowLocator(page, row);
      await element.locator('.monaco-tl-twistie').click();
      // Settle before the next look, so a slow render does not earn a second (undoing) click.
      await waitFor(async () => (await element.getAttribute('aria-expanded')) === String(expanded), {
        timeout: 5_000,
      }).catch(() => undefined);
      return undefined;
    },
    { interval: 300, message: `Test Explorer row ${JSON.stringify(path)} ${expanded ? 'expanded' : 'collapsed'}` },
  );
}

/** Clicks the Test Explorer's "Cancel Test Run" button (in the view's title bar while tests run). */
export async function cancelTestRun(page: Page): Promise<void> {
  await showTestExplorer(page);
  const button = page.locator('.part.sidebar .title-actions .action-label[aria-label^="Cancel Test Run"]');
  await button.waitFor({ state: 'visible', timeout: 30_000 });
  await button.click();
}

/** Clicks the row's inline "Run Test" button (it shows on hover); `[]` runs everything from the view's title bar. */
export async function runFromTree(page: Page, path: string[]): Promise<void> {
  if (path.length === 0) {
    await showTestExplorer(page);
    const runAll = page.locator('.part.sidebar .title-actions .action-label[aria-label^="Run Tests"]');
    await runAll.first().click();
    return;
  }
  const row = await expandPath(page, path, { expandLast: false });
  const element = rowLocator(page, row);
  await element.hover();
  await element.locator('.action-label[aria-label="Run Test"]').click();
}

/** Waits until the tree row at `path` shows `state` (rows under it must be expanded to be read). */
export async function waitForRowState(
  page: Page,
  path: string[],
  states: string | string[],
  options: WaitOptions = {},
): Promise<TreeRow> {
  const wanted = Array.isArray(states) ? states : [states];
  return waitFor(
    async () => {
      const row = findRow(await readTree(page), path);
      return row && wanted.includes(row.state) ? row : undefined;
    },
    { timeout: 60_000, message: `Test Explorer row ${JSON.stringify(path)} to be ${wanted.join(' or ')}`, ...options },
  );
}

// ---- editors ----

/** Opens a workspace file with Quick Open (Ctrl+P) and waits until its editor is active. */
export async function openFile(page: Page, relativePath: string): Promise<void> {
  const name = relativePath.split('/').pop()!;
  const input = page.locator('.quick-input-widget .quick-input-box input');
  await waitFor(
    async () => {
      if (!(await input.isVisible())) await page.keyboard.press('Control+P');
      await input.waitFor({ state: 'visible', timeout: 5_000 });
      await input.fill(relativePath);
      // The first pick must be the file (quick open also lists recently opened ones).
      const first = page.locator('.quick-input-list .monaco-list-row').first();
      await waitFor(async () => (await first.getAttribute('aria-label'))?.includes(name), { timeout: 5_000 });
      await page.keyboard.press('Enter');
      await input.waitFor({ state: 'hidden', timeout: 5_000 });
      return true;
    },
    { timeout: 30_000, interval: 500, message: `quick open of ${relativePath}` },
  );
  await activeEditor(page, name).waitFor({ state: 'visible', timeout: 30_000 });
}

/** The active editor (its group's visible editor) when its tab shows `fileName`. */
export function activeEditor(page: Page, fileName: string): Locator {
  return page
    .locator('.editor-group-container.active')
    .filter({ has: page.locator(`.tab.active[data-resource-name="${fileName}"]`) })
    .locator('.monaco-editor')
    .first();
}

/** Moves the cursor of the active editor to a line (1-based) with Go to Line, which scrolls it into view. */
export async function goToLine(page: Page, line: number): Promise<void> {
  const input = page.locator('.quick-input-widget .quick-input-box input');
  await page.keyboard.press('Control+G');
  await input.waitFor({ state: 'visible', timeout: 10_000 });
  await input.fill(`:${line}`);
  await page.keyboard.press('Enter');
  await input.waitFor({ state: 'hidden', timeout: 10_000 });
}

/** Clicks a CodeLens of the active editor by its tooltip's beginning (e.g. "Run 'Slow call 3 of 5'"). */
export async function clickCodeLens(page: Page, fileName: string, tooltipStart: string): Promise<void> {
  const lens = activeEditor(page, fileName).locator(
    `.codelens-decoration a[title^="${tooltipStart.replace(/"/g, '\\"')}"]`,
  );
  await lens.first().waitFor({ state: 'visible', timeout: 30_000 });
  await lens.first().click();
}

/** Clicks a CodeLens of the active editor by its text (e.g. "Show last execution"). */
export async function clickCodeLensText(page: Page, fileName: string, text: string): Promise<void> {
  const lens = activeEditor(page, fileName).locator('.codelens-decoration a', { hasText: text });
  await lens.first().waitFor({ state: 'visible', timeout: 30_000 });
  await lens.first().click();
}

// ---- panels ----

/** Opens the Test Results view and returns its part of the page. */
export async function showTestResults(page: Page): Promise<Locator> {
  await runCommand(page, 'Test Results: Focus on Test Results View');
  const tree = page.locator('.part.panel .test-output-peek-tree');
  await tree.waitFor({ state: 'visible', timeout: 30_000 });
  return page.locator('.part.panel');
}

/** Opens the Problems view and returns its rows' accessible labels. */
export async function problems(page: Page): Promise<string[]> {
  const panel = page.locator('.part.panel .markers-panel');
  if (!(await panel.isVisible())) await runCommand(page, 'Problems: Focus on Problems View');
  await panel.waitFor({ state: 'visible', timeout: 30_000 });
  return panel
    .locator('.monaco-list-row')
    .evaluateAll((rows) => rows.map((row) => row.getAttribute('aria-label') ?? ''));
}
