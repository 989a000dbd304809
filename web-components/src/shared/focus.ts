/** Elements reachable with Tab inside `root`, in order, looking through shadow roots. */
export function tabbables(root: Element | ShadowRoot): HTMLElement[] {
  const found: HTMLElement[] = [];
  const visit = (node: Element) => {
    if (node instanceof HTMLElement) {
      if (node.hidden || node.inert) return;
      const disabled = (node as HTMLButtonElement).disabled === true;
      if (node.tabIndex >= 0 && !disabled && node.getClientRects().length > 0 && !node.shadowRoot?.delegatesFocus) found.push(node);
    }
    if (node.shadowRoot) for (const child of node.shadowRoot.children) visit(child);
    for (const child of node.children) visit(child);
  };
  for (const child of root.children) visit(child);
  return found;
}

/** The focused element, looking into shadow roots. */
export function deepActiveElement(doc: Document | ShadowRoot = document): Element | null {
  let active = doc.activeElement;
  while (active?.shadowRoot?.activeElement) active = active.shadowRoot.activeElement;
  return active;
}
