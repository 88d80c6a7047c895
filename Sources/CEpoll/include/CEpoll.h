// epoll and eventfd, which Swift's Glibc module does not export (Linux only).
#pragma once
#include <sys/epoll.h>
#include <sys/eventfd.h>
