import { ApolloProvider } from '@apollo/client/react';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App.js';
import { createIris } from './iris.js';
import { SessionStore } from './session.js';

const session = new SessionStore();
const iris = createIris({ httpUrl: import.meta.env.VITE_IRIS_URL || 'http://localhost:4000/graphql', session });

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <ApolloProvider client={iris.client}>
      <App session={session} ws={iris.ws} />
    </ApolloProvider>
  </StrictMode>,
);
