import { useQuery } from '@apollo/client/react';
import { useEffect, useState } from 'react';
import { describeError } from './describeError.js';
import type { MarkCardFragment } from './generated/graphql.js';
import { MarkCreated, MarksPage } from './operations.js';

const PAGE_SIZE = Number(import.meta.env.VITE_MARKS_PAGE_SIZE || 10);

/** The marks of every device you can see, newest first: a page at a time, and new ones as they are made. */
export function Marks() {
  const { data, error, fetchMore, subscribeToMore } = useQuery(MarksPage, { variables: { first: PAGE_SIZE } });
  const [loadingMore, setLoadingMore] = useState(false);
  const [liveError, setLiveError] = useState<string>();
  const marks = data?.deviceMarks;
  const loaded = marks !== undefined;

  // Subscribed once the first page is in; later pages and new marks need no new subscription.
  // biome-ignore lint/correctness/useExhaustiveDependencies: `marks` is read once, when the first page arrives
  useEffect(() => {
    if (!loaded) return;
    // `after` replays the marks made since the newest one on the page before switching to live ones, so a
    // mark made between the page and the subscription is not missed.
    const newest = marks.edges[0]?.node.id;
    return subscribeToMore({
      document: MarkCreated,
      variables: { after: newest },
      // The list is written back whole, the new mark first; the cache's pagination policy keeps its pages.
      updateQuery: (_, { complete, previousData, subscriptionData }) => {
        if (!complete) return;
        const mark = subscriptionData.data.deviceMarkCreated;
        const list = previousData.deviceMarks;
        if (list.edges.some((edge) => edge.node.id === mark.id)) return; // replayed again after a reconnect
        const edge = { __typename: 'DeviceMarkEdge' as const, cursor: '', node: mark };
        return { ...previousData, deviceMarks: { ...list, totalCount: list.totalCount + 1, edges: [edge, ...list.edges] } };
      },
      onError: (err) => setLiveError(describeError(err)),
    });
  }, [loaded, subscribeToMore]);

  if (error) return <p role="alert">Could not load marks: {describeError(error)}</p>;
  if (!marks) return <p>Loading marks…</p>;

  const loadMore = async () => {
    setLoadingMore(true);
    try {
      await fetchMore({ variables: { after: marks.pageInfo.endCursor } });
    } finally {
      setLoadingMore(false);
    }
  };

  return (
    <section className="card">
      <h2>
        Marks <small>({marks.totalCount})</small>
      </h2>
      {liveError && <p role="alert">Live marks stopped: {liveError}</p>}
      {marks.edges.length === 0 && <p>No marks yet: upload a photo with a face.</p>}
      <ol className="marks" aria-label="Marks">
        {marks.edges.map(({ node }) => (
          <MarkItem key={node.id} mark={node} />
        ))}
      </ol>
      {marks.pageInfo.hasNextPage && (
        <button type="button" onClick={loadMore} disabled={loadingMore}>
          {loadingMore ? 'Loading…' : 'Load more'}
        </button>
      )}
    </section>
  );
}

function MarkItem({ mark }: { mark: MarkCardFragment }) {
  const expressions = mark.analysis?.faces.map((face) => face.expression?.label.toLowerCase()).filter(Boolean);
  return (
    <li data-mark-id={mark.id}>
      {mark.data?.url && <img src={mark.data.url} alt={`Capture from ${mark.device.name}`} width={96} height={72} />}
      <div>
        <strong>{mark.device.name}</strong>
        <span>
          {mark.faceCount} {mark.faceCount === 1 ? 'face' : 'faces'}
          {expressions?.length ? `: ${expressions.join(', ')}` : ''}
        </span>
        <time dateTime={mark.createdAt}>{new Date(mark.createdAt).toLocaleString()}</time>
      </div>
    </li>
  );
}
