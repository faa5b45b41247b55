// Public exports of src/primitives/conv (filled as the area lands).
export {};
