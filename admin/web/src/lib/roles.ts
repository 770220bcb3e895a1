/** What each role may use, mirroring the @allow directives of admin/api/schema.graphql. */
import type { MessageKey } from './i18n.svelte.ts';
import type { Role } from './types.ts';

export type Capability =
  | 'documents.read'
  | 'documents.write'
  | 'documents.chunks'
  | 'collections.read'
  | 'collections.write'
  | 'channels'
  | 'users'
  | 'apiKeys'
  | 'conversations'
  | 'feedback'
  | 'usage'
  | 'audit'
  | 'settings.read'
  | 'settings.write'
  | 'system'
  | 'sources';

const ROLES: Record<Capability, readonly Role[]> = {
  'documents.read': ['admin', 'curator', 'auditor'],
  'documents.write': ['admin', 'curator'],
  'documents.chunks': ['admin', 'curator'],
  'collections.read': ['admin', 'curator', 'auditor'],
  'collections.write': ['admin', 'curator'],
  channels: ['admin', 'curator'],
  users: ['admin'],
  apiKeys: ['admin'],
  conversations: ['admin', 'auditor'],
  feedback: ['admin', 'curator'],
  usage: ['admin', 'auditor'],
  audit: ['admin', 'auditor'],
  'settings.read': ['admin', 'auditor'],
  'settings.write': ['admin'],
  system: ['admin'],
  sources: ['admin'],
};

export function can(role: Role | undefined, capability: Capability): boolean {
  return role !== undefined && ROLES[capability].includes(role);
}

export interface NavItem {
  href: string;
  /** The catalogue key of its label. */
  label: MessageKey;
  icon: string;
  /** null: every signed-in user. */
  needs: Capability | null;
}

export const NAV: readonly NavItem[] = [
  { href: '/documents', label: 'nav.documents', icon: 'doc', needs: 'documents.read' },
  { href: '/collections', label: 'nav.collections', icon: 'folder', needs: 'collections.read' },
  { href: '/sources', label: 'nav.sources', icon: 'folder', needs: 'sources' },
  { href: '/playground', label: 'nav.playground', icon: 'spark', needs: null },
  { href: '/conversations', label: 'nav.conversations', icon: 'chat', needs: 'conversations' },
  { href: '/feedback', label: 'nav.feedback', icon: 'flag', needs: 'feedback' },
  { href: '/usage', label: 'nav.usage', icon: 'chart', needs: 'usage' },
  { href: '/audit', label: 'nav.audit', icon: 'shield', needs: 'audit' },
  { href: '/users', label: 'nav.users', icon: 'users', needs: 'users' },
  { href: '/api-keys', label: 'nav.apiKeys', icon: 'key', needs: 'apiKeys' },
  { href: '/system', label: 'nav.systemStatus', icon: 'gauge', needs: 'system' },
  { href: '/settings', label: 'nav.settings', icon: 'gear', needs: null },
];

export function navFor(role: Role | undefined): NavItem[] {
  return NAV.filter((item) => item.needs === null || can(role, item.needs));
}
