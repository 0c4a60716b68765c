// Original file: protos/disco/v1/teacher.proto


export interface TeacherInfoRequest {
}

export interface TeacherInfoRequest__Output {
}
