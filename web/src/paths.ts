/**
 * The app's client-side routes. The server answers these paths with the app's index.html (and nothing
 * else: an unknown path is a real 404), and App.tsx routes them; both read this one list.
 */
export const APP_PATHS = {
  board: '/',
  signIn: '/signin',
  site: '/sites/:id',
  map: '/map',
  plan: '/plan',
  situation: '/situation',
} as const;

export const sitePath = (id: string) => `/sites/${encodeURIComponent(id)}`;
