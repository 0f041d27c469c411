import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { html } from './html.js';
import { forgetToken, setToken, takeTokenFromUrl, token } from './api.js';
import { OverviewPage } from './pages/overview.js';
import { TopicsPage } from './pages/topics.js';
import { TopicPage } from './pages/topic.js';
import { GroupsPage } from './pages/groups.js';
import { GroupPage } from './pages/group.js';
import { MessagesPage } from './pages/messages.js';
import { TransactionsPage } from './pages/transactions.js';
import { ReplicationPage } from './pages/replication.js';
import { ClusterPage } from './pages/cluster.js';

const NAV = [
  ['#/', 'Overview'],
  ['#/topics', 'Topics'],
  ['#/groups', 'Groups'],
  ['#/messages', 'Messages'],
  ['#/transactions', 'Transactions'],
  ['#/replication', 'Replication'],
  ['#/cluster', 'Cluster'],
] as const;

function useHash(): string {
  const [hash, setHash] = useState(location.hash || '#/');
  useEffect(() => {
    const changed = () => setHash(location.hash || '#/');
    addEventListener('hashchange', changed);
    return () => removeEventListener('hashchange', changed);
  }, []);
  return hash;
}

/** The page for a `#/…` address. */
function page(hash: string) {
  const [path = '', query = ''] = hash.slice(1).split('?');
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  const params = new URLSearchParams(query);
  if (parts[0] === 'topics' && parts[1] !== undefined) return html`<${TopicPage} key=${parts[1]} topic=${parts[1]} />`;
  if (parts[0] === 'topics') return html`<${TopicsPage} />`;
  if (parts[0] === 'groups' && parts[1] !== undefined) return html`<${GroupPage} key=${parts[1]} group=${parts[1]} />`;
  if (parts[0] === 'groups') return html`<${GroupsPage} />`;
  if (parts[0] === 'messages')
    return html`<${MessagesPage}
      initial=${{ topic: params.get('topic') ?? '', partition: params.get('partition') ?? '0', offset: params.get('offset') ?? '0' }}
    />`;
  if (parts[0] === 'transactions') return html`<${TransactionsPage} />`;
  if (parts[0] === 'replication') return html`<${ReplicationPage} />`;
  if (parts[0] === 'cluster') return html`<${ClusterPage} />`;
  return html`<${OverviewPage} />`;
}

function Login({ onToken }: { onToken: () => void }) {
  const [value, setValue] = useState('');
  return html`<form class="login" onSubmit=${(e: Event) => (e.preventDefault(), setToken(value), onToken())}>
    <h1>metaq console</h1>
    <p class="muted">Paste the admin token: the <code>[http] token</code> of the broker's server.ini, or the one it printed at start.</p>
    <input name="token" type="password" autocomplete="off" value=${value} onInput=${(e: Event) => setValue((e.target as HTMLInputElement).value)} />
    <button type="submit">Open console</button>
  </form>`;
}

function App() {
  const hash = useHash();
  const [signedIn, setSignedIn] = useState(token() !== null);
  if (!signedIn) return html`<${Login} onToken=${() => setSignedIn(true)} />`;
  const section = `#/${hash.slice(2).split(/[/?]/)[0] ?? ''}`;
  return html`
    <header>
      <span class="brand">metaq</span>
      <nav>${NAV.map(([href, label]) => html`<a href=${href} class=${section === href ? 'active' : ''}>${label}</a>`)}</nav>
      <span class="live">live · every 2 s · <a href="#/" onClick=${() => (forgetToken(), setSignedIn(false))} style="color:#9aa6c3">sign out</a></span>
    </header>
    <main>${page(hash)}</main>
  `;
}

takeTokenFromUrl();
render(html`<${App} />`, document.getElementById('app')!);
