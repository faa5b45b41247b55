// Public exports of src/layers (filled as the area lands).
export {};
