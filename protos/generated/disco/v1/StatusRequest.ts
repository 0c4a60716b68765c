// Original file: protos/disco/v1/coordinator.proto


export interface StatusRequest {
}

export interface StatusRequest__Output {
}
