// Minimal types for the part of pngjs the studies use (the package ships no declarations).
declare module 'pngjs' {
  export const PNG: {sync: {read(buffer: Buffer): {width: number; height: number; data: Buffer}}};
}
