from course_lib.value import Value
