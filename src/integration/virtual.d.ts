/// <reference types="astro/client" />

declare module 'virtual:qkv-atlas/analyses' {
  const site: import('./index.ts').SiteAnalyses;
  export default site;
}
