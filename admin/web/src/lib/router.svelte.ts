/** A small history router: the path picks the page, the query string holds its filters (shareable). */
export const route = $state({ path: '/', search: '' });

function sync(): void {
  route.path = location.pathname;
  route.search = location.search;
}

export function startRouter(): () => void {
  sync();
  const onPop = () => sync();
  addEventListener('popstate', onPop);
  // Same-origin links navigate without a reload; modified clicks (new tab…) keep the browser's way.
  const onClick = (event: MouseEvent) => {
    if (
      event.defaultPrevented ||
      event.button !== 0 ||
      event.metaKey ||
      event.ctrlKey ||
      event.shiftKey ||
      event.altKey
    )
      return;
    const link = (event.target as Element | null)?.closest?.('a');
    if (!link || link.target || link.hasAttribute('download') || link.origin !== location.origin) return;
    if (/^\/(api|graphql|auth)\//.test(link.pathname)) return;
    event.preventDefault();
    navigate(link.pathname + link.search);
  };
  document.addEventListener('click', onClick);
  return () => {
    removeEventListener('popstate', onPop);
    document.removeEventListener('click', onClick);
  };
}

export function navigate(href: string, options: { replace?: boolean } = {}): void {
  if (href === location.pathname + location.search) return;
  if (options.replace) history.replaceState(null, '', href);
  else history.pushState(null, '', href);
  sync();
  if (!options.replace) scrollTo({ top: 0 });
}

export function queryParam(name: string): string {
  return new URLSearchParams(route.search).get(name) ?? '';
}

/** Updates filters in the URL (replacing the entry: typing in a search box is not history). */
export function setQuery(changes: Record<string, string | number | boolean | null | undefined>): void {
  const params = new URLSearchParams(route.search);
  for (const [key, value] of Object.entries(changes)) {
    if (value === null || value === undefined || value === '' || value === false) params.delete(key);
    else params.set(key, String(value));
  }
  const search = params.toString();
  navigate(`${route.path}${search ? `?${search}` : ''}`, { replace: true });
}
