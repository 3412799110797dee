/** Types of bundle-size.mjs, for the client's size test. */
export declare function bundleSize(
  source: string,
  options?: { dependencies?: boolean },
): Promise<{ raw: number; min: number; gzip: number }>;
