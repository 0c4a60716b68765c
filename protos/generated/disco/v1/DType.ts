// Original file: protos/disco/v1/batch.proto

export const DType = {
  DTYPE_UNSPECIFIED: 'DTYPE_UNSPECIFIED',
  /**
   * views: uint8 NHWC, RGB
   */
  DTYPE_UINT8: 'DTYPE_UINT8',
  /**
   * embeddings: float32, little-endian, row-major [N, D]
   */
  DTYPE_FLOAT32: 'DTYPE_FLOAT32',
} as const;

export type DType =
  | 'DTYPE_UNSPECIFIED'
  | 0
  /**
   * views: uint8 NHWC, RGB
   */
  | 'DTYPE_UINT8'
  | 1
  /**
   * embeddings: float32, little-endian, row-major [N, D]
   */
  | 'DTYPE_FLOAT32'
  | 2

export type DType__Output = typeof DType[keyof typeof DType]
