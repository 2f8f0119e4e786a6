"""corruptdata"""
