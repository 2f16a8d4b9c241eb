/**
 * Multi-selection over an ordered list of ids, the way file managers do it: a click selects one,
 * Ctrl/Cmd-click toggles one, Shift-click selects the range from the anchor; arrows move the focus
 * (and the selection with it), Shift+arrows extend the range, Ctrl+arrows move the focus alone,
 * Space toggles the focused item, Ctrl/Cmd-A selects all, Escape clears. No DOM: the list views
 * draw what it says (selection.ts has its own unit tests).
 */
export interface Modifiers {
  /** Ctrl, or Cmd on macOS. */
  toggle?: boolean;
  shift?: boolean;
}

export class Selection {
  private order: string[] = [];
  private readonly selected = new Set<string>();
  private anchor: string | undefined;
  focused: string | undefined;

  /** The ids in list order; selected ids that left the list are dropped. */
  setOrder(ids: readonly string[]): void {
    this.order = [...ids];
    const present = new Set(ids);
    for (const id of this.selected) if (!present.has(id)) this.selected.delete(id);
    if (this.anchor !== undefined && !present.has(this.anchor)) this.anchor = undefined;
    if (this.focused !== undefined && !present.has(this.focused)) this.focused = undefined;
  }

  has(id: string): boolean {
    return this.selected.has(id);
  }

  /** Selected ids in list order. */
  ids(): string[] {
    return this.order.filter((id) => this.selected.has(id));
  }

  get size(): number {
    return this.selected.size;
  }

  click(id: string, modifiers: Modifiers = {}): void {
    if (!this.order.includes(id)) return;
    if (modifiers.shift && this.anchor !== undefined) {
      if (!modifiers.toggle) this.selected.clear();
      for (const each of this.between(this.anchor, id)) this.selected.add(each);
    } else if (modifiers.toggle) {
      if (this.selected.has(id)) this.selected.delete(id);
      else this.selected.add(id);
      this.anchor = id;
    } else {
      this.selected.clear();
      this.selected.add(id);
      this.anchor = id;
    }
    this.focused = id;
  }

  /** Handles a key; true when it was one of the selection keys (the caller then prevents its default). */
  key(key: string, modifiers: Modifiers = {}): boolean {
    const index = this.focused === undefined ? -1 : this.order.indexOf(this.focused);
    const last = this.order.length - 1;
    const move = (to: number) => {
      if (last < 0) return;
      const target = this.order[Math.max(0, Math.min(last, to))];
      if (modifiers.shift) {
        this.anchor ??= this.focused ?? target;
        this.selected.clear();
        for (const each of this.between(this.anchor, target)) this.selected.add(each);
        this.focused = target;
      } else if (modifiers.toggle) {
        this.focused = target;
      } else this.click(target);
    };
    switch (key) {
      case 'ArrowDown':
        move(index < 0 ? 0 : index + 1);
        return true;
      case 'ArrowUp':
        move(index < 0 ? 0 : index - 1);
        return true;
      case 'Home':
        move(0);
        return true;
      case 'End':
        move(last);
        return true;
      case ' ':
        if (this.focused !== undefined) this.click(this.focused, { toggle: true });
        return true;
      case 'a':
      case 'A':
        if (!modifiers.toggle) return false;
        this.selectAll();
        return true;
      case 'Escape':
        if (this.selected.size === 0) return false;
        this.clear();
        return true;
      default:
        return false;
    }
  }

  selectAll(): void {
    for (const id of this.order) this.selected.add(id);
  }

  clear(): void {
    this.selected.clear();
    this.anchor = undefined;
  }

  private between(a: string, b: string): string[] {
    const i = this.order.indexOf(a);
    const j = this.order.indexOf(b);
    if (i < 0 || j < 0) return [b];
    return this.order.slice(Math.min(i, j), Math.max(i, j) + 1);
  }
}
