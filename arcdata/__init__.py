"""arcdata"""
