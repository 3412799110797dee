// Types for libs/nanokit.global.js (a copy of @nanokit/client's dist/nanokit.global.min.js): what `require` returns.
export * from '@nanokit/client';
