// Original file: protos/disco/v1/augment.proto


export interface AugmentInfoRequest {
}

export interface AugmentInfoRequest__Output {
}
